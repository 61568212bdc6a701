package mfa_test

import (
	"encoding/base32"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa/totp"
)

const flowPW = "a passphrase for two factors"

// The seed flow of 3/8 through every function, as a person with an
// authenticator app does it: enrol from the API, sign in with two steps, use
// a recovery code once, remove two-factor.
func TestAuthenticatorAppFlow(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.Account("jdoe", flowPW)
	c, _ := e.SignIn("jdoe", flowPW)

	res := e.Post("/api/auth/mfa/totp/enrol", map[string]string{"password": flowPW}, c)
	if res.Status != 200 {
		t.Fatalf("enrol: %d %s", res.Status, res.Body)
	}
	enrol := res.JSON(t)
	if !strings.HasPrefix(enrol["qrCode"].(string), "data:image/png;base64,") ||
		!strings.HasPrefix(enrol["otpauthUri"].(string), "otpauth://totp/acme:jdoe?") {
		t.Fatalf("enrol = %v", enrol)
	}
	// What the authenticator app does with the manual key.
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(enrol["secret"].(string))
	if err != nil || len(secret) != 20 {
		t.Fatalf("secret: %d bytes, %v", len(secret), err)
	}
	code := func() string { return totp.Code(secret, totp.Step(e.Clock.Now())) }

	res = e.Post("/api/auth/mfa/totp/activate", map[string]string{"code": code()}, c)
	if res.Status != 200 {
		t.Fatalf("activate: %d %s", res.Status, res.Body)
	}
	codes := res.JSON(t)["recoveryCodes"].([]any)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	if sent := e.Mail.To("jdoe@example.com"); len(sent) != 1 || sent[0].Kind != mail.KindTOTPEnabled {
		t.Fatalf("mails = %+v", sent)
	}

	twoSteps := func(proof map[string]string) apptest.Response {
		t.Helper()
		first := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": flowPW}, nil)
		if first.Status != 200 || first.JSON(t)["status"] != "mfa_required" || first.Cookie("gatepass") != nil {
			t.Fatalf("first step: %d %s", first.Status, first.Body)
		}
		proof["challenge"] = first.JSON(t)["challenge"].(string)
		return e.Post("/api/auth/login/mfa", proof, nil)
	}
	e.Clock.Advance(30 * time.Second) // the activation step is used up
	if res := twoSteps(map[string]string{"code": code()}); res.Status != 200 || res.Cookie("gatepass") == nil {
		t.Fatalf("two-step sign-in: %d %s", res.Status, res.Body)
	}
	recovery := codes[3].(string)
	if res := twoSteps(map[string]string{"recoveryCode": recovery}); res.Status != 200 {
		t.Fatalf("recovery code: %d %s", res.Status, res.Body)
	}
	if res := twoSteps(map[string]string{"recoveryCode": recovery}); res.Status != 401 {
		t.Fatalf("recovery code used twice: %d %s", res.Status, res.Body)
	}
	status := e.Do(apptest.Request{Method: http.MethodGet, Path: "/api/auth/mfa", Cookie: c}).JSON(t)
	if status["recoveryCodes"].(map[string]any)["remaining"] != float64(9) {
		t.Fatalf("status = %v", status)
	}

	e.Clock.Advance(30 * time.Second)
	res = e.Do(apptest.Request{Method: http.MethodDelete, Path: "/api/auth/mfa/totp", Body: `{"code":"` + code() + `"}`, Cookie: c})
	if res.Status != 204 {
		t.Fatalf("remove: %d %s", res.Status, res.Body)
	}
	signIn := e.Post("/api/auth/login", map[string]string{"username": "jdoe", "password": flowPW}, nil)
	if signIn.Status != 200 || signIn.JSON(t)["status"] != "authenticated" {
		t.Fatalf("after removal: %d %s", signIn.Status, signIn.Body)
	}
	if sent := e.Mail.To("jdoe@example.com"); sent[len(sent)-1].Kind != mail.KindTOTPDisabled {
		t.Fatalf("no removal notice: %+v", sent[len(sent)-1].Kind)
	}
}
