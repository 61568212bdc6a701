package ses_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatepass/gatepass/shared/mail/ses"
)

// The client's request on the wire: SES v2's REST path and JSON, signed
// with SigV4 for service "ses" in the config's region; throttling and
// server errors are tried again (three attempts in all), a refusal is not;
// and an error never carries SES's message, which may name the recipient.
func TestClientWire(t *testing.T) {
	tests := []struct {
		name      string
		answers   []int // status of each attempt; past the end: 200
		wantCalls int32
		wantErr   bool
		wantCode  string
	}{
		{"sent", nil, 1, false, ""},
		{"throttled, then sent", []int{429}, 2, false, ""},
		{"server errors until the last attempt", []int{500, 503}, 3, false, ""},
		{"server errors throughout", []int{500, 500, 500}, 3, true, "InternalFailure"},
		{"refused at once", []int{400}, 1, true, "MessageRejected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" ||
					!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
					!strings.Contains(r.Header.Get("Authorization"), "/eu-central-1/ses/aws4_request") {
					t.Errorf("request %s %s %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
				}
				var doc map[string]any
				raw, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(raw, &doc); err != nil || doc["FromEmailAddress"] != "no-reply@example.com" ||
					doc["ConfigurationSetName"] != "gatepass" {
					t.Errorf("body %s", raw)
				}
				if int(n) <= len(tc.answers) {
					status := tc.answers[n-1]
					code := "InternalFailure"
					if status == 400 {
						code = "MessageRejected"
					}
					w.Header().Set("X-Amzn-Errortype", code+":http://internal.amazon.com/")
					w.WriteHeader(status)
					_, _ = w.Write([]byte(`{"message":"Email address is not verified: jane@example.com"}`))
					return
				}
				_, _ = w.Write([]byte(`{"MessageId":"0102-abc"}`))
			}))
			defer srv.Close()
			c := ses.NewClient(aws.Config{Region: "eu-central-1",
				Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}, srv.URL)
			id, err := c.SendEmail(t.Context(), ses.Email{From: "no-reply@example.com", To: "jane@example.com",
				Subject: "s", Text: "t", ConfigurationSet: "gatepass", Tags: map[string]string{"kind": "reset_link"}})
			if got := calls.Load(); got != tc.wantCalls {
				t.Fatalf("%d calls, want %d", got, tc.wantCalls)
			}
			if tc.wantErr {
				var api *ses.APIError
				if !errors.As(err, &api) || api.Code != tc.wantCode {
					t.Fatalf("error %v, want code %s", err, tc.wantCode)
				}
				if strings.Contains(err.Error(), "jane@example.com") {
					t.Fatalf("error %q names the recipient", err)
				}
				return
			}
			if err != nil || id != "0102-abc" {
				t.Fatalf("SendEmail = %q, %v", id, err)
			}
		})
	}
}
