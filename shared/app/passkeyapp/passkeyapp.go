// Package passkeyapp plugs passkeys (package passkey, on go-webauthn) into
// the function that offers them — login — through app.Deps.Passkeys, so
// that the other functions' binaries do not link WebAuthn.
package passkeyapp

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/notify"
	"github.com/gatepass/gatepass/shared/passkey"
	"github.com/gatepass/gatepass/shared/reauth"
	"github.com/gatepass/gatepass/shared/sessions"
)

// Use turns passkeys on for the functions built from d.
func Use(d *app.Deps) { d.Passkeys = New }

// Configure is Use for a Lambda main (lambdarun.Configure).
func Configure(_ context.Context, _ aws.Config, d *app.Deps) error {
	Use(d)
	return nil
}

// New builds the passkeys of the deployment d describes: its relying party
// is the public URL's host (passkey.ErrNoDomain for an IP address).
func New(d app.Deps) (app.Passkeys, error) {
	rp, err := passkey.NewRelyingParty(d.PublicURL, d.Tenant+" Backoffice")
	if err != nil {
		return nil, err
	}
	return keys{rp: rp, d: d}, nil
}

type keys struct {
	rp *passkey.RelyingParty
	d  app.Deps
}

func (k keys) Factor() mfa.Factor { return passkey.Factor{RP: k.rp} }

func (k keys) SignIn(m *sessions.Manager) (map[string]http.Handler, reauth.PasskeyChallenges) {
	signIn := passkey.NewSignIn(k.rp, k.d.Store, m, k.d.Clock, k.d.Logger)
	return passkey.NewHandlers(nil, signIn, m).SignInRoutes(), signIn
}

func (k keys) Manage(m *sessions.Manager, v mfa.Verifier, n *notify.Notifier) map[string]http.Handler {
	manage := passkey.NewService(k.rp, k.d.Store, v, m, n, k.d.Clock, k.d.Logger)
	return passkey.NewHandlers(manage, nil, m).ManageRoutes()
}
