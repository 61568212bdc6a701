package idp

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatepass/gatepass/shared/sso"
)

// Limits of provider settings (Cognito's, where it has one).
const (
	maxProviderID      = 32
	maxMetadataXML     = 128 << 10
	maxSettingLength   = 2048
	providerFileFormat = 1
)

// storedProvider is a provider as the Issuer keeps it, secret included.
type storedProvider struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	OIDC         *storedOIDC       `json:"oidc,omitempty"`
	SAML         *storedSAML       `json:"saml,omitempty"`
	Attributes   map[string]string `json:"attributes,omitempty"`
	TestIdentity *TestIdentity     `json:"testIdentity,omitempty"`
}

type storedOIDC struct {
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	Scopes       []string `json:"scopes,omitempty"`
}

type storedSAML struct {
	MetadataURL string `json:"metadataUrl,omitempty"`
	MetadataXML string `json:"metadataXml,omitempty"`
}

// providerFile is the content of ProvidersFile.
type providerFile struct {
	Format    int              `json:"format"`
	Providers []storedProvider `json:"providers"`
}

// List returns every provider (ID and Type), ordered by ID.
func (i *Issuer) List(ctx context.Context) ([]sso.Provider, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	i.pmu.RLock()
	defer i.pmu.RUnlock()
	out := make([]sso.Provider, 0, len(i.providers))
	for _, p := range i.providers {
		out = append(out, sso.Provider{ID: p.ID, Type: p.Type})
	}
	slices.SortFunc(out, func(a, b sso.Provider) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Get returns the provider id with its settings; its client secret is never
// returned (ClientSecret "", ClientSecretSet true).
func (i *Issuer) Get(ctx context.Context, id string) (sso.Provider, error) {
	if err := checkContext(ctx); err != nil {
		return sso.Provider{}, err
	}
	sp, ok := i.provider(id)
	if !ok {
		return sso.Provider{}, fmt.Errorf("idp: provider %q: %w", id, sso.ErrProviderNotFound)
	}
	p := sso.Provider{ID: sp.ID, Type: sp.Type, Attributes: maps.Clone(sp.Attributes)}
	if sp.OIDC != nil {
		p.OIDC = &sso.OIDCSettings{
			Issuer:          sp.OIDC.Issuer,
			ClientID:        sp.OIDC.ClientID,
			ClientSecretSet: sp.OIDC.ClientSecret != "",
			Scopes:          slices.Clone(sp.OIDC.Scopes),
		}
	}
	if sp.SAML != nil {
		p.SAML = &sso.SAMLSettings{MetadataURL: sp.SAML.MetadataURL, MetadataXML: sp.SAML.MetadataXML}
	}
	return p, nil
}

// Put creates or replaces the provider p.ID after validating it as Cognito
// would; an error wraps sso.ErrInvalidProvider. An empty OIDC client secret
// keeps the stored one. Replacing a provider keeps its test identity.
func (i *Issuer) Put(ctx context.Context, p sso.Provider) (bool, error) {
	if err := checkContext(ctx); err != nil {
		return false, err
	}
	i.pmu.Lock()
	defer i.pmu.Unlock()
	old, exists := i.providers[p.ID]
	var prev *storedProvider
	if exists {
		prev = &old
	}
	sp, err := validateProvider(p, prev)
	if err != nil {
		return false, err
	}
	if exists {
		sp.TestIdentity = old.TestIdentity
	}
	next := maps.Clone(i.providers)
	next[sp.ID] = sp
	if err := i.persist(next); err != nil {
		return false, err
	}
	i.providers = next
	return !exists, nil
}

// Delete removes the provider id, or returns sso.ErrProviderNotFound.
func (i *Issuer) Delete(ctx context.Context, id string) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	i.pmu.Lock()
	defer i.pmu.Unlock()
	if _, ok := i.providers[id]; !ok {
		return fmt.Errorf("idp: provider %q: %w", id, sso.ErrProviderNotFound)
	}
	next := maps.Clone(i.providers)
	delete(next, id)
	if err := i.persist(next); err != nil {
		return err
	}
	i.providers = next
	return nil
}

// provider returns a stored provider.
func (i *Issuer) provider(id string) (storedProvider, bool) {
	i.pmu.RLock()
	defer i.pmu.RUnlock()
	p, ok := i.providers[id]
	return p, ok
}

// load reads the providers file, or creates seed when there is none.
func (i *Issuer) load(seed []SeedProvider) error {
	if i.file != "" {
		data, err := os.ReadFile(i.file)
		switch {
		case err == nil:
			return i.decode(data)
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("idp: read providers: %w", err)
		}
	}
	next := map[string]storedProvider{}
	for _, s := range seed {
		if _, dup := next[s.Provider.ID]; dup {
			return fmt.Errorf("%w: seed provider %q twice", ErrInvalidConfig, s.Provider.ID)
		}
		sp, err := validateProvider(s.Provider, nil)
		if err != nil {
			return fmt.Errorf("%w: seed: %w", ErrInvalidConfig, err)
		}
		ti := cloneIdentity(s.Identity)
		sp.TestIdentity = &ti
		next[sp.ID] = sp
	}
	if len(next) > 0 { // else the seed of a later start still applies
		if err := i.persist(next); err != nil {
			return err
		}
	}
	i.providers = next
	return nil
}

// decode loads the content of the providers file, validating every entry.
func (i *Issuer) decode(data []byte) error {
	var f providerFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("idp: %s: %w", i.file, err)
	}
	if f.Format != providerFileFormat {
		return fmt.Errorf("idp: %s: unknown format %d", i.file, f.Format)
	}
	for _, sp := range f.Providers {
		if _, dup := i.providers[sp.ID]; dup {
			return fmt.Errorf("idp: %s: provider %q twice", i.file, sp.ID)
		}
		checked, err := validateProvider(sp.public(), nil)
		if err != nil {
			return fmt.Errorf("idp: %s: %w", i.file, err)
		}
		checked.TestIdentity = sp.TestIdentity
		i.providers[sp.ID] = checked
	}
	return nil
}

// public is sp as an sso.Provider, secret included (for re-validation).
func (sp storedProvider) public() sso.Provider {
	p := sso.Provider{ID: sp.ID, Type: sp.Type, Attributes: sp.Attributes}
	if sp.OIDC != nil {
		p.OIDC = &sso.OIDCSettings{Issuer: sp.OIDC.Issuer, ClientID: sp.OIDC.ClientID, ClientSecret: sp.OIDC.ClientSecret, Scopes: sp.OIDC.Scopes}
	}
	if sp.SAML != nil {
		p.SAML = &sso.SAMLSettings{MetadataURL: sp.SAML.MetadataURL, MetadataXML: sp.SAML.MetadataXML}
	}
	return p
}

// persist writes ps to the providers file atomically (a temporary file in
// the same folder, renamed over it), readable by the owner only. Without a
// DataDir it does nothing.
func (i *Issuer) persist(ps map[string]storedProvider) error {
	if i.file == "" {
		return nil
	}
	f := providerFile{Format: providerFileFormat, Providers: make([]storedProvider, 0, len(ps))}
	for _, p := range ps {
		f.Providers = append(f.Providers, p)
	}
	slices.SortFunc(f.Providers, func(a, b storedProvider) int { return strings.Compare(a.ID, b.ID) })
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("idp: encode providers: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(i.file), ".idp-providers-*.tmp")
	if err != nil {
		return fmt.Errorf("idp: write providers: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("idp: write providers: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("idp: write providers: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("idp: write providers: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("idp: write providers: %w", err)
	}
	if err := os.Rename(tmp.Name(), i.file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("idp: write providers: %w", err)
	}
	ok = true
	return nil
}

// invalid returns an error wrapping sso.ErrInvalidProvider; its message may
// be shown to an administrator and never holds a secret.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sso.ErrInvalidProvider}, args...)...)
}

// validateProvider checks p as Cognito's CreateIdentityProvider would, and
// returns what to store. prev is the provider p replaces, if any: its client
// secret stays when p has none.
func validateProvider(p sso.Provider, prev *storedProvider) (storedProvider, error) {
	if err := validateProviderID(p.ID); err != nil {
		return storedProvider{}, err
	}
	sp := storedProvider{ID: p.ID, Type: p.Type}
	switch p.Type {
	case sso.TypeOIDC:
		if p.OIDC == nil || p.SAML != nil {
			return storedProvider{}, invalid("an OIDC provider needs OIDC settings and no SAML settings")
		}
		o, err := validateOIDC(*p.OIDC, prev)
		if err != nil {
			return storedProvider{}, err
		}
		sp.OIDC = &o
	case sso.TypeSAML:
		if p.SAML == nil || p.OIDC != nil {
			return storedProvider{}, invalid("a SAML provider needs SAML settings and no OIDC settings")
		}
		s, err := validateSAML(*p.SAML)
		if err != nil {
			return storedProvider{}, err
		}
		sp.SAML = &s
	default:
		return storedProvider{}, invalid("type must be %q or %q", sso.TypeOIDC, sso.TypeSAML)
	}
	attrs, err := validateAttributes(p.Attributes)
	if err != nil {
		return storedProvider{}, err
	}
	sp.Attributes = attrs
	return sp, nil
}

// validateProviderID applies Cognito's ProviderName rules: 1–32
// characters, letters, marks, numbers, symbols or punctuation (no spaces or
// controls), not starting with '_', and not the reserved name Cognito.
func validateProviderID(id string) error {
	n := utf8.RuneCountInString(id)
	switch {
	case !utf8.ValidString(id) || n < 1 || n > maxProviderID:
		return invalid("the provider id must have 1 to %d characters", maxProviderID)
	case strings.HasPrefix(id, "_"):
		return invalid("the provider id must not start with '_'")
	case strings.EqualFold(id, "COGNITO"):
		return invalid("the provider id %q is reserved", id)
	}
	for _, r := range id {
		if !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.S, unicode.P) {
			return invalid("the provider id may hold letters, digits, symbols and punctuation only (no spaces)")
		}
	}
	return nil
}

func validateOIDC(o sso.OIDCSettings, prev *storedProvider) (storedOIDC, error) {
	if o.Issuer == "" {
		return storedOIDC{}, invalid("an OIDC provider needs an issuer")
	}
	if err := checkUpstreamURL("OIDC issuer", o.Issuer); err != nil {
		return storedOIDC{}, err
	}
	if strings.TrimSpace(o.ClientID) == "" {
		return storedOIDC{}, invalid("an OIDC provider needs a client id")
	}
	if len(o.ClientID) > maxSettingLength || len(o.ClientSecret) > maxSettingLength {
		return storedOIDC{}, invalid("the OIDC client id and secret may have at most %d characters", maxSettingLength)
	}
	secret := o.ClientSecret
	if secret == "" && prev != nil && prev.OIDC != nil {
		secret = prev.OIDC.ClientSecret
	}
	if secret == "" {
		return storedOIDC{}, invalid("an OIDC provider needs a client secret")
	}
	if len(o.Scopes) > 0 {
		for _, s := range o.Scopes {
			if s == "" || strings.ContainsFunc(s, unicode.IsSpace) || len(s) > 256 {
				return storedOIDC{}, invalid("scopes must be non-empty words without spaces")
			}
		}
		if !slices.Contains(o.Scopes, "openid") {
			return storedOIDC{}, invalid("the scopes of an OIDC provider must include openid")
		}
	}
	return storedOIDC{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: secret, Scopes: slices.Clone(o.Scopes)}, nil
}

func validateSAML(s sso.SAMLSettings) (storedSAML, error) {
	switch {
	case (s.MetadataURL == "") == (s.MetadataXML == ""):
		return storedSAML{}, invalid("a SAML provider needs exactly one of a metadata URL and metadata XML")
	case s.MetadataURL != "":
		if err := checkUpstreamURL("SAML metadata URL", s.MetadataURL); err != nil {
			return storedSAML{}, err
		}
	default:
		if len(s.MetadataXML) > maxMetadataXML {
			return storedSAML{}, invalid("the SAML metadata XML may have at most %d bytes", maxMetadataXML)
		}
		if err := checkMetadataXML(s.MetadataXML); err != nil {
			return storedSAML{}, err
		}
	}
	return storedSAML{MetadataURL: s.MetadataURL, MetadataXML: s.MetadataXML}, nil
}

// checkUpstreamURL accepts an absolute https URL, or http on a loopback
// host (a local upstream).
func checkUpstreamURL(what, s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || len(s) > maxSettingLength {
		return invalid("the %s must be an absolute https URL", what)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return invalid("the %s must be an absolute https URL", what)
}

// checkMetadataXML accepts well-formed XML whose root is a SAML
// EntityDescriptor.
func checkMetadataXML(x string) error {
	d := xml.NewDecoder(strings.NewReader(x))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return invalid("the SAML metadata is not well-formed XML")
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "EntityDescriptor" {
		return invalid("the SAML metadata must be an md:EntityDescriptor")
	}
	return nil
}

// attributeKeys are the Gatepass attributes a provider may map.
func attributeKeys() []string { return []string{"email", "name", "groups"} }

func validateAttributes(m map[string]string) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !slices.Contains(attributeKeys(), k) {
			return nil, invalid("unknown attribute %q (use email, name or groups)", k)
		}
		if strings.TrimSpace(v) == "" || len(v) > maxSettingLength {
			return nil, invalid("the attribute %q needs a claim or SAML attribute name", k)
		}
		out[k] = v
	}
	return out, nil
}

func cloneIdentity(t TestIdentity) TestIdentity {
	t.Groups = slices.Clone(t.Groups)
	return t
}
