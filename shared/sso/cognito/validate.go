package cognito

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gatepass/gatepass/shared/sso"
)

// Limits of a Cognito ProviderName: at most 32 UTF-16 code units (Cognito
// counts like Java), and at least three characters, which its pattern needs
// whatever its documented minimum length of 1 says.
const (
	maxIDLength = 32
	minIDLength = 3
)

// validateID checks id against Cognito's ProviderName rules: 1 to 32
// characters matching [^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+ (so at
// least three), and not COGNITO, the pool's own directory. Control and
// format characters are refused as well: ids end up in URLs and logs.
func validateID(id string) error {
	if !utf8.ValidString(id) {
		return errors.New("the id is not valid UTF-8")
	}
	runes := []rune(id)
	n := 0
	for _, r := range runes {
		n += utf16.RuneLen(r)
	}
	if len(runes) < minIDLength || n > maxIDLength {
		return errors.New("the id must be 3 to 32 characters long")
	}
	if strings.EqualFold(id, CognitoProvider) {
		return errors.New("the id COGNITO is reserved for the user pool's own directory")
	}
	for i, r := range runes {
		switch {
		case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs):
			return errors.New("the id must not contain control characters")
		case i == 1 && !unicode.In(r, unicode.L, unicode.M, unicode.S, unicode.N, unicode.P):
			return errors.New("the id's second character must be a letter, mark, symbol, digit or punctuation")
		case i != 1 && (r == '_' || unicode.Is(unicode.Z, r)):
			return errors.New("the id must not contain spaces, and no underscore except as its second character")
		}
	}
	return nil
}

// validateProvider checks p before anything is sent to Cognito. Its errors
// wrap sso.ErrInvalidProvider and are written for an administrator; they
// never contain the client secret.
func validateProvider(p sso.Provider) error {
	if err := validateID(p.ID); err != nil {
		return invalidf("invalid id %q: %v", p.ID, err)
	}
	switch p.Type {
	case sso.TypeOIDC:
		if p.OIDC == nil || p.SAML != nil {
			return invalidf("an OIDC provider needs OIDC settings and no SAML settings")
		}
		if err := validateOIDC(p.OIDC); err != nil {
			return err
		}
	case sso.TypeSAML:
		if p.SAML == nil || p.OIDC != nil {
			return invalidf("a SAML provider needs SAML settings and no OIDC settings")
		}
		if err := validateSAML(p.SAML); err != nil {
			return err
		}
	default:
		return invalidf("unknown provider type %q (want %q or %q)", p.Type, sso.TypeOIDC, sso.TypeSAML)
	}
	for key, v := range p.Attributes {
		if _, ok := attributePool()[key]; !ok {
			return invalidf("unknown attribute %q (want email, name or groups)", key)
		}
		if strings.TrimSpace(v) == "" || strings.ContainsFunc(v, unicode.IsControl) {
			return invalidf("attribute %q needs the provider's claim or attribute name", key)
		}
	}
	return nil
}

func validateOIDC(s *sso.OIDCSettings) error {
	u, err := url.Parse(s.Issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		// Cognito only federates https issuers; OpenID Connect Discovery
		// §4 forbids a query or fragment in the issuer.
		return invalidf("the issuer must be an https URL without user info, query or fragment")
	}
	if strings.TrimSpace(s.ClientID) == "" || strings.ContainsFunc(s.ClientID, unicode.IsControl) {
		return invalidf("the OIDC client id is missing")
	}
	for _, scope := range s.Scopes {
		if scope == "" || strings.ContainsFunc(scope, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			return invalidf("scope %q is empty or contains spaces", scope)
		}
	}
	if !slices.Contains(s.Scopes, "openid") {
		return invalidf("the scopes must include openid")
	}
	return nil
}

func validateSAML(s *sso.SAMLSettings) error {
	switch {
	case (s.MetadataURL == "") == (s.MetadataXML == ""):
		return invalidf("a SAML provider needs exactly one of a metadata URL and a metadata document")
	case s.MetadataURL != "":
		u, err := url.Parse(s.MetadataURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" {
			return invalidf("the metadata URL must be an https URL without user info")
		}
	default:
		if err := checkMetadata(s.MetadataXML); err != nil {
			return invalidf("the metadata document is not SAML metadata: %v", err)
		}
	}
	return nil
}

// checkMetadata checks that doc is well-formed XML whose root is a SAML 2.0
// metadata EntityDescriptor or EntitiesDescriptor. Cognito checks the rest.
func checkMetadata(doc string) error {
	dec := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(doc, "\ufeff")))
	root := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errors.New("malformed XML")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !root {
				const ns = "urn:oasis:names:tc:SAML:2.0:metadata"
				if t.Name.Space != ns || (t.Name.Local != "EntityDescriptor" && t.Name.Local != "EntitiesDescriptor") {
					return errors.New("the root element must be a SAML 2.0 EntityDescriptor or EntitiesDescriptor")
				}
				root = true
			}
		case xml.CharData:
			if !root && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text before the root element")
			}
		}
	}
	if !root {
		return errors.New("no root element")
	}
	return nil
}
