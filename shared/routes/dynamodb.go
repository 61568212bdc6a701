package routes

import (
	_ "embed" // the derived grants, dynamodb_actions.json
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// DynamoDBActionsFile is the file, in this package's directory, that holds
// the IAM actions each function's flows send to the tenant table: a JSON
// object from function name to its sorted list of actions, e.g.
//
//	{"authorizer": ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"], …}
//
// It is derived, not declared (DESIGN.md "Least privilege is derived, not
// declared"): TestDynamoDBActionsPerFunction in shared/app runs every route
// of every function through the DynamoDB adapter on DynamoDB Local, records
// the actions sent, and fails unless they equal this file. After a change to
// what a flow writes, update it with
//
//	GATEPASS_UPDATE_ACTIONS=1 go test ./shared/app -run TestDynamoDBActionsPerFunction
//
// The tenant stack grants each function's role exactly its list on the
// table (DynamoDBActions).
const DynamoDBActionsFile = "dynamodb_actions.json"

//go:embed dynamodb_actions.json
var dynamoDBActionsJSON []byte

var dynamoDBActions = sync.OnceValues(func() (map[string][]string, error) {
	return ParseDynamoDBActions(dynamoDBActionsJSON)
})

// DynamoDBActions returns the IAM actions on the tenant table that the named
// function's flows send, sorted — what its role is granted, no more — and
// whether the function has a list. Each call returns a fresh copy. It panics
// when the embedded file is malformed, which the package's tests rule out.
func DynamoDBActions(function string) ([]string, bool) {
	all := AllDynamoDBActions()
	actions, ok := all[function]
	return actions, ok
}

// AllDynamoDBActions returns every function's DynamoDB actions, by function
// name (see DynamoDBActions). The map and its lists are fresh copies.
func AllDynamoDBActions() map[string][]string {
	all, err := dynamoDBActions()
	if err != nil {
		panic(err)
	}
	out := make(map[string][]string, len(all))
	for name, actions := range all {
		out[name] = slices.Clone(actions)
	}
	return out
}

// ParseDynamoDBActions reads a DynamoDBActionsFile document. Every list must
// be sorted, without duplicates, of actions named "dynamodb:<Action>" —
// never a wildcard.
func ParseDynamoDBActions(doc []byte) (map[string][]string, error) {
	var all map[string][]string
	if err := json.Unmarshal(doc, &all); err != nil {
		return nil, fmt.Errorf("routes: %s: %w", DynamoDBActionsFile, err)
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		actions := all[name]
		if !slices.IsSorted(actions) || len(slices.Compact(slices.Clone(actions))) != len(actions) {
			return nil, fmt.Errorf("routes: %s: the actions of %s are not sorted and distinct: %v", DynamoDBActionsFile, name, actions)
		}
		for _, a := range actions {
			if !validAction(a) {
				return nil, fmt.Errorf("routes: %s: %s has the action %q; want dynamodb:<Action>, no wildcard", DynamoDBActionsFile, name, a)
			}
		}
	}
	return all, nil
}

// EncodeDynamoDBActions writes a DynamoDBActionsFile document in its one
// canonical form: indented, functions in name order, a final newline.
func EncodeDynamoDBActions(all map[string][]string) ([]byte, error) {
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("routes: encode %s: %w", DynamoDBActionsFile, err)
	}
	return append(b, '\n'), nil
}

// validAction reports whether a is "dynamodb:" followed by an action name:
// letters only, the first upper case.
func validAction(a string) bool {
	const prefix = "dynamodb:"
	if len(a) <= len(prefix) || a[:len(prefix)] != prefix {
		return false
	}
	name := a[len(prefix):]
	if name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
