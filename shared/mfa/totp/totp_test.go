package totp_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"

	"github.com/gatepass/gatepass/shared/mfa/totp"
)

var rfcSecret = []byte("12345678901234567890") // RFC 6238 Appendix B, SHA-1

func TestCodeRFC6238Vectors(t *testing.T) {
	tests := []struct {
		unix     int64
		wantStep int64
		want     string // last 6 digits of the RFC's 8-digit value
	}{
		{59, 0x1, "287082"},                 // 94287082
		{1111111109, 0x23523EC, "081804"},   // 07081804
		{1111111111, 0x23523ED, "050471"},   // 14050471
		{1234567890, 0x273EF07, "005924"},   // 89005924
		{2000000000, 0x3F940AA, "279037"},   // 69279037
		{20000000000, 0x27BC86AA, "353130"}, // 65353130
	}
	for _, tt := range tests {
		step := totp.Step(time.Unix(tt.unix, 0))
		if step != tt.wantStep {
			t.Errorf("Step(%d) = %#x, want %#x", tt.unix, step, tt.wantStep)
		}
		if got := totp.Code(rfcSecret, step); got != tt.want {
			t.Errorf("Code(rfc, step at %d) = %s, want %s", tt.unix, got, tt.want)
		}
	}
}

func TestStep(t *testing.T) {
	tests := []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(29, 999_999_999), 0},
		{time.Unix(30, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Unix(-30, 0), -1},
		{time.Unix(-31, 0), -2},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 5*3600)), time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 5*3600)).Unix() / 30},
	}
	for _, tt := range tests {
		if got := totp.Step(tt.t); got != tt.want {
			t.Errorf("Step(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

// TestCodeMatchesPquerna cross-checks Code against an independent
// implementation for random secrets and times.
func TestCodeMatchesPquerna(t *testing.T) {
	for i := range 50 {
		secret := totp.NewSecret()
		at := time.Unix(1_700_000_000+int64(i)*7919, 0)
		want, err := pqtotp.GenerateCodeCustom(totp.EncodeSecret(secret), at, pqtotp.ValidateOpts{
			Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := totp.Code(secret, totp.Step(at)); got != want {
			t.Fatalf("Code = %s, pquerna = %s", got, want)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, b := totp.NewSecret(), totp.NewSecret()
	if len(a) != 20 || len(b) != 20 {
		t.Fatalf("len = %d, %d; want 20", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Error("two secrets are equal")
	}
}

func TestEncodeSecret(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{rfcSecret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
		{[]byte("f"), "MY"},
		{[]byte("foobar"), "MZXW6YTBOI"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := totp.EncodeSecret(tt.in); got != tt.want {
			t.Errorf("EncodeSecret(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVerify(t *testing.T) {
	secret := rfcSecret
	now := time.Unix(1111111111, 0) // step T = 0x23523ED
	T := totp.Step(now)
	code := func(s int64) string { return totp.Code(secret, s) }

	tests := []struct {
		name     string
		code     string
		lastUsed int64
		wantStep int64
		wantOK   bool
	}{
		{"current step", code(T), 0, T, true},
		{"previous step", code(T - 1), 0, T - 1, true},
		{"next step", code(T + 1), 0, T + 1, true},
		{"two steps back", code(T - 2), 0, 0, false},
		{"two steps ahead", code(T + 2), 0, 0, false},
		{"no step used yet (MinInt64)", code(T), math.MinInt64, T, true},
		{"current step already used", code(T), T, 0, false},
		{"later step already used", code(T - 1), T, 0, false},
		{"previous used, current accepted", code(T), T - 1, T, true},
		{"current used, next accepted", code(T + 1), T, T + 1, true},
		{"next used blocks everything", code(T + 1), T + 1, 0, false},
		{"wrong code", wrong(code(T), code(T-1), code(T+1)), 0, 0, false},
		{"empty", "", 0, 0, false},
		{"short", code(T)[:5], 0, 0, false},
		{"long", code(T) + "0", 0, 0, false},
		{"eight-digit RFC form", "14050471", 0, 0, false},
		{"letters", "12a456", 0, 0, false},
		{"space padded", " " + code(T)[:5], 0, 0, false},
		{"trailing space", code(T) + " ", 0, 0, false},
		{"sign", "+" + code(T)[1:], 0, 0, false},
		{"full-width digits", "１２３４５６", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := totp.Verify(secret, tt.code, now, tt.lastUsed)
			if ok != tt.wantOK || step != tt.wantStep {
				t.Errorf("Verify = (%d, %v), want (%d, %v)", step, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestVerifyWithinStepBoundaries(t *testing.T) {
	secret := totp.NewSecret()
	start := time.Unix(1_800_000_000-1_800_000_000%30, 0) // first second of a step
	T := totp.Step(start)
	for _, now := range []time.Time{start, start.Add(29 * time.Second), start.Add(29999 * time.Millisecond)} {
		for _, s := range []int64{T - 1, T, T + 1} {
			if step, ok := totp.Verify(secret, totp.Code(secret, s), now, 0); !ok || step != s {
				t.Errorf("at %v: Verify(code(%d)) = (%d, %v)", now, s, step, ok)
			}
		}
	}
}

func TestVerifyReplay(t *testing.T) {
	secret := totp.NewSecret()
	now := time.Unix(1_750_000_000, 0)
	c := totp.Code(secret, totp.Step(now))
	step, ok := totp.Verify(secret, c, now, 0)
	if !ok {
		t.Fatal("first use refused")
	}
	for _, later := range []time.Time{now, now.Add(30 * time.Second)} {
		if _, ok := totp.Verify(secret, c, later, step); ok {
			t.Errorf("replay at %v accepted", later)
		}
	}
}

func TestVerifyEmptySecret(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	if _, ok := totp.Verify(nil, totp.Code(nil, totp.Step(now)), now, 0); ok {
		t.Error("empty secret accepted")
	}
}

// wrong returns a 6-digit code different from all of avoid.
func wrong(avoid ...string) string {
	for i := 0; ; i++ {
		c := strings.Repeat(string(rune('0'+i%10)), 6)
		ok := true
		for _, a := range avoid {
			ok = ok && a != c
		}
		if ok {
			return c
		}
	}
}

func TestURI(t *testing.T) {
	secret := rfcSecret
	got := totp.URI("Gatepass", "ann@example.com", secret)
	want := "otpauth://totp/Gatepass:ann%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Gatepass&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Errorf("URI =\n %s\nwant\n %s", got, want)
	}

	tests := []struct{ issuer, account string }{
		{"Gatepass", "ann@example.com"},
		{"ACME Back Office", "ann.o'neil+mfa@example.com"},
		{"A&B=C?D#E/F%G", "x y&z=1#/?"},
		{"Zürich Übersicht", "jörg"},
	}
	for _, tt := range tests {
		uri := totp.URI(tt.issuer, tt.account, secret)
		if strings.Contains(uri, " ") || strings.Contains(uri, "+") {
			t.Errorf("URI %q has an unescaped space or a plus", uri)
		}
		u, err := url.Parse(uri)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", uri, err)
		}
		q := u.Query()
		if u.Scheme != "otpauth" || u.Host != "totp" || u.Fragment != "" {
			t.Errorf("%q: scheme/host/fragment = %q/%q/%q", uri, u.Scheme, u.Host, u.Fragment)
		}
		if u.Path != "/"+tt.issuer+":"+tt.account {
			t.Errorf("%q: label = %q", uri, u.Path)
		}
		for k, v := range map[string]string{"secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "issuer": tt.issuer, "algorithm": "SHA1", "digits": "6", "period": "30"} {
			if q.Get(k) != v || len(q[k]) != 1 {
				t.Errorf("%q: %s = %q, want %q", uri, k, q[k], v)
			}
		}
		key, err := otp.NewKeyFromURL(uri)
		if err != nil {
			t.Fatal(err)
		}
		if key.Issuer() != tt.issuer || key.AccountName() != tt.account || key.Secret() != totp.EncodeSecret(secret) ||
			key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
			t.Errorf("pquerna reads %q as issuer %q account %q", uri, key.Issuer(), key.AccountName())
		}
	}
}

func TestQRCodePNG(t *testing.T) {
	uri := totp.URI("Gatepass", "ann@example.com", totp.NewSecret())
	dataURI, err := totp.QRCodePNG(uri)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(dataURI, prefix) {
		t.Fatalf("data URI starts %q", dataURI[:min(len(dataURI), 30)])
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(dataURI, prefix))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b != image.Rect(0, 0, 240, 240) {
		t.Fatalf("bounds = %v, want 240×240", b)
	}
	dark, light := 0, 0
	for y := range 240 {
		for x := range 240 {
			r, _, _, _ := img.At(x, y).RGBA()
			inBorder := x < 20 || y < 20 || x >= 220 || y >= 220
			switch {
			case r < 0x8000 && inBorder:
				t.Fatalf("dark pixel at (%d,%d) inside the quiet zone", x, y)
			case r < 0x8000:
				dark++
			default:
				light++
			}
		}
	}
	if dark < 240*240/10 || light < 240*240/4 {
		t.Errorf("dark=%d light=%d: does not look like a QR code", dark, light)
	}
	// A QR finder pattern: the top-left module block of the code is dark.
	if r, _, _, _ := img.At(24, 24).RGBA(); r >= 0x8000 {
		t.Error("no finder pattern at the top-left corner of the code")
	}
}

func TestQRCodePNGErrorsHideURI(t *testing.T) {
	secret := "SECRETSECRETSECRETSECRETSECRET23"
	tests := []struct{ name, uri string }{
		{"unparsable", "otpauth://totp/%zz?secret=" + secret},
		{"too long for the image", "otpauth://totp/x?secret=" + secret + "&pad=" + strings.Repeat("a", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := totp.QRCodePNG(tt.uri)
			if err == nil {
				t.Fatal("want error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}
