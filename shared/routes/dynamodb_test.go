package routes_test

import (
	"bytes"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/routes"
)

// The committed list names exactly the functions of the table, each with
// at least one action, in its canonical form. That the lists are what the
// flows send is TestDynamoDBActionsPerFunction's part (shared/app).
func TestDynamoDBActionsFileCoversTheTable(t *testing.T) {
	all := routes.AllDynamoDBActions()
	var names []string
	for _, f := range routes.Table() {
		names = append(names, f.Name)
		actions, ok := routes.DynamoDBActions(f.Name)
		if !ok || len(actions) == 0 {
			t.Errorf("%s: no DynamoDB actions in %s", f.Name, routes.DynamoDBActionsFile)
		}
	}
	slices.Sort(names)
	if got := slices.Sorted(maps.Keys(all)); !slices.Equal(got, names) {
		t.Errorf("%s names %v, the route table %v", routes.DynamoDBActionsFile, got, names)
	}
	if _, ok := routes.DynamoDBActions("nobody"); ok {
		t.Error("a function outside the table has actions")
	}
	raw, err := os.ReadFile(routes.DynamoDBActionsFile)
	if err != nil {
		t.Fatal(err)
	}
	canonical, err := routes.EncodeDynamoDBActions(all)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, canonical) {
		t.Errorf("%s is not in its canonical form; rewrite it with\n\tGATEPASS_UPDATE_ACTIONS=1 go test ./shared/app -run TestDynamoDBActionsPerFunction", routes.DynamoDBActionsFile)
	}
}

// The accessor hands out copies: a caller cannot change another's grants.
func TestDynamoDBActionsAreCopies(t *testing.T) {
	a, ok := routes.DynamoDBActions("login")
	if !ok || len(a) == 0 {
		t.Fatal("no actions for login")
	}
	a[0] = "dynamodb:*"
	if b, _ := routes.DynamoDBActions("login"); b[0] == "dynamodb:*" {
		t.Fatal("the accessor returned shared state")
	}
}

func TestParseDynamoDBActionsRefusesMalformedLists(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":      `{"login": [`,
		"not a list":    `{"login": "dynamodb:Query"}`,
		"unsorted":      `{"login": ["dynamodb:Query", "dynamodb:BatchGetItem"]}`,
		"duplicate":     `{"login": ["dynamodb:Query", "dynamodb:Query"]}`,
		"wildcard":      `{"login": ["dynamodb:*"]}`,
		"prefix only":   `{"login": ["dynamodb:"]}`,
		"other service": `{"login": ["s3:GetObject"]}`,
		"lower case":    `{"login": ["dynamodb:query"]}`,
		"partial glob":  `{"login": ["dynamodb:Get*"]}`,
	} {
		if _, err := routes.ParseDynamoDBActions([]byte(doc)); err == nil || !strings.Contains(err.Error(), routes.DynamoDBActionsFile) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	got, err := routes.ParseDynamoDBActions([]byte(`{"views": ["dynamodb:BatchGetItem", "dynamodb:Query"]}`))
	if err != nil || !slices.Equal(got["views"], []string{"dynamodb:BatchGetItem", "dynamodb:Query"}) {
		t.Fatalf("%v %v", got, err)
	}
}
