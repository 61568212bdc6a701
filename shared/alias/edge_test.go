package alias_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/alias"
)

// The CloudFront Function agrees with Strip, run under Node with the
// cloudfront module replaced by a KeyValueStore stand-in. CloudFront's
// runtime is not Node, but the function uses only what both share.
func TestEdgeFunction(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is required in CI")
		}
		t.Skip("node not installed")
	}
	type edgeCase struct {
		Name, URI, Alias, Client string
		KVSMissing               bool
		WantURI, WantHeader      string
		WantStatus               int
		WantLocation             string
	}
	cases := []edgeCase{
		{Name: "no alias", URI: "/api/auth/login", WantURI: "/api/auth/login"},
		{Name: "no alias, client header removed", URI: "/", Client: "x", WantURI: "/"},
		{Name: "api under the alias", URI: "/" + secret + "/api/auth/login", Alias: secret, WantURI: "/api/auth/login", WantHeader: secret},
		{Name: "web under the alias", URI: "/" + secret + "/app.js", Alias: secret, WantURI: "/app.js", WantHeader: secret},
		{Name: "alias root redirects", URI: "/" + secret, Alias: secret, WantStatus: 308, WantLocation: "/" + secret + "/"},
		{Name: "api outside the alias", URI: "/api/auth/login", Alias: secret, Client: secret, WantStatus: 404},
		{Name: "config outside the alias", URI: "/api/auth/config", Alias: secret, WantStatus: 404},
		{Name: "web root outside the alias", URI: "/", Alias: secret, WantStatus: 404},
		{Name: "unknown path outside the alias", URI: "/nothing/here", Alias: secret, WantStatus: 404},
		{Name: "wrong alias api", URI: "/guess/api/auth/config", Alias: secret, WantStatus: 404},
		{Name: "alias as a longer prefix", URI: "/" + secret + "x/index.html", Alias: secret, WantStatus: 404},
		{Name: "unreadable store hides", URI: "/index.html", KVSMissing: true, WantStatus: 404},
	}
	for _, c := range cases {
		if c.WantStatus == 308 || c.KVSMissing {
			continue
		}
		got, err := alias.Strip(c.URI, c.Alias)
		if (err != nil) != (c.WantStatus == 404) || err == nil && got != c.WantURI {
			t.Errorf("%s: Strip and the edge disagree: %q, %v vs %q %d", c.Name, got, err, c.WantURI, c.WantStatus)
		}
	}
	in, _ := json.Marshal(cases)
	src := strings.Replace(alias.EdgeFunction, "import cf from 'cloudfront';", "", 1)
	script := `
const cases = ` + string(in) + `;
let current;
const cf = { kvs: () => ({ get: async (key, opts) => {
  if (current.KVSMissing || key !== 'adminAlias') throw new Error('not found');
  return opts && opts.format === 'json' ? { alias: current.Alias } : JSON.stringify({ alias: current.Alias });
} }) };
` + src + `
(async () => {
  const out = [];
  for (const c of cases) {
    current = c;
    const headers = c.Client ? { 'x-gatepass-alias': { value: c.Client } } : {};
    const r = await handler({ request: { uri: c.URI, headers, querystring: { a: { value: '1' } } } });
    out.push({ uri: r.uri || '', header: (r.headers && r.headers['x-gatepass-alias'] && !r.statusCode) ? r.headers['x-gatepass-alias'].value : '',
      status: r.statusCode || 0, location: r.statusCode === 308 ? r.headers.location.value : '',
      type: r.statusCode === 404 ? r.headers['content-type'].value : '', body: r.body ? r.body.data : '' });
  }
  console.log(JSON.stringify(out));
})();
`
	file := filepath.Join(t.TempDir(), "edge.js")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.Command(node, file).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []struct {
		URI, Header, Location, Type, Body string
		Status                            int
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	for i, c := range cases {
		g := got[i]
		if g.Status != c.WantStatus || g.Location != c.WantLocation || (c.WantStatus == 0 && (g.URI != c.WantURI || g.Header != c.WantHeader)) {
			t.Errorf("%s: got %+v", c.Name, g)
		}
		// Every hidden path gets the bytes and type alias.Hidden sends.
		if c.WantStatus == 404 && (g.Type != "text/plain; charset=utf-8" || g.Body != alias.HiddenBody) {
			t.Errorf("%s: hidden answer %q %q, want alias.Hidden's", c.Name, g.Type, g.Body)
		}
	}
}
