// Command local runs the Gatepass local stack (`make run`): the web app and
// the API on one origin, on embedded defaults. See package stack.
//
// It starts itself again with GODEBUG=madvdontneed=0 when its environment
// does not set it (package hashmem): the Go runtime then releases freed
// memory with MADV_FREE, so that argon2id's block array stays mapped between
// sign-ins instead of being faulted in again for each.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gatepass/gatepass/infra/local/stack"
	"github.com/gatepass/gatepass/shared/app/hashmem"
)

func main() {
	started := time.Now()
	if err := hashmem.Reexec(); err != nil {
		fmt.Fprintln(os.Stderr, "gatepass: keep the hash memory:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := stack.Start(ctx, stack.FromEnv())
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatepass:", err)
		os.Exit(1)
	}
	printBanner(s, time.Since(started))

	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "\ngatepass: shutting down…")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintln(os.Stderr, "gatepass: shutdown:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "gatepass: stopped; data is in", s.DatabasePath)
}

func printBanner(s *stack.Stack, took time.Duration) {
	w := os.Stdout
	app, err := s.AppURL(context.Background())
	if err != nil {
		app = s.URL
	}
	fmt.Fprintf(w, "\nGatepass local stack — ready in %d ms\n\n", took.Milliseconds())
	fmt.Fprintf(w, "  URL:       %s/\n", app)
	if app != s.URL {
		fmt.Fprintf(w, "             (the admin alias is set: nothing answers outside it)\n")
	}
	fmt.Fprintf(w, "             open it in a browser and sign in as %q, or use curl:\n", s.AdminUsername)
	fmt.Fprintf(w, "  Database:  %s\n\n", s.DatabasePath)
	switch {
	case s.Bootstrap.InvitationLink != "":
		fmt.Fprintf(w, "  First start: invited the super_admin %q. Set the password with this one-time link\n", s.AdminUsername)
		fmt.Fprintf(w, "  (also in the local outbox, %s/_dev/mail/):\n\n", s.URL)
		fmt.Fprintf(w, "      %s\n\n", s.Bootstrap.InvitationLink)
		fmt.Fprintf(w, "  Then sign in:\n")
		fmt.Fprintf(w, "      curl -i -c .data/cookies -H 'Content-Type: application/json' \\\n")
		fmt.Fprintf(w, "        -d '{\"username\":\"%s\",\"password\":\"…\"}' %s/api/auth/login\n", s.AdminUsername, app)
	case s.Bootstrap.GeneratedPassword != "":
		fmt.Fprintf(w, "  First start: created the super_admin %q with this password (shown once, not stored in clear):\n\n", s.AdminUsername)
		fmt.Fprintf(w, "      %s\n\n", s.Bootstrap.GeneratedPassword)
		fmt.Fprintf(w, "  Sign in:\n")
		fmt.Fprintf(w, "      curl -i -c .data/cookies -H 'Content-Type: application/json' \\\n")
		fmt.Fprintf(w, "        -d '{\"username\":\"%s\",\"password\":\"%s\"}' %s/api/auth/login\n", s.AdminUsername, s.Bootstrap.GeneratedPassword, app)
	case s.Bootstrap.Created:
		fmt.Fprintf(w, "  First start: created the super_admin %q with the password from GATEPASS_BOOTSTRAP_ADMIN_PASSWORD.\n\n", s.AdminUsername)
		fmt.Fprintf(w, "  Sign in:\n")
		fmt.Fprintf(w, "      curl -i -c .data/cookies -H 'Content-Type: application/json' \\\n")
		fmt.Fprintf(w, "        -d '{\"username\":\"%s\",\"password\":\"…\"}' %s/api/auth/login\n", s.AdminUsername, app)
	default:
		fmt.Fprintf(w, "  Sign in with the super_admin created at the first start (its password was printed then).\n")
		fmt.Fprintf(w, "  Lost it? Stop, remove %s and start again for a fresh tenant.\n", s.DatabasePath)
	}
	fmt.Fprintf(w, "      curl -b .data/cookies %s/api/auth/session\n\n", app)
	fmt.Fprintf(w, "  Single sign-on: the sign-in page offers %q, a local OIDC issuer standing in for\n", stack.LocalProviderName)
	fmt.Fprintf(w, "  Cognito (%s%s). Its form signs in as the SSO account %q (%s) by default.\n\n",
		s.URL, stack.LocalIssuerPath, stack.DemoSSOUsername, stack.DemoSSOEmail)
	fmt.Fprintf(w, "  Mail sent by the stack (reset links, invitations): %s/_dev/mail/\n\n", s.URL)
	if s.DevClock {
		fmt.Fprintf(w, "  GATEPASS_DEV_CLOCK=1: the clock moves forward with POST %s%s {\"advanceSeconds\": N}.\n\n", s.URL, stack.DevClockPath)
	}
	fmt.Fprintf(w, "  Ctrl-C stops the stack cleanly.\n\n")
}
