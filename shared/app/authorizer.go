package app

import (
	"errors"

	"github.com/gatepass/gatepass/shared/authorizer"
	"github.com/gatepass/gatepass/shared/sessions"
)

// Authorizer builds the authorizer function (routes.KindAuthorizer): the
// session check other Backoffice APIs attach as their API Gateway Lambda
// authorizer. It needs only the store, the clock, the public URL (for the
// cookie's name) and the logger.
func Authorizer(d Deps) (*authorizer.Authorizer, error) {
	if d.Store == nil || d.Clock == nil || d.Logger == nil {
		return nil, errors.New("app: the authorizer needs Store, Clock and Logger")
	}
	return authorizer.New(sessions.NewManager(d.Store, d.Clock, d.Secure()), d.Logger), nil
}

// AuthorizerHandler is Authorizer as the handler lambda.Start receives:
// func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request)
// (events.APIGatewayV2CustomAuthorizerSimpleResponse, error).
func AuthorizerHandler(d Deps) (any, error) {
	a, err := Authorizer(d)
	if err != nil {
		return nil, err
	}
	return a.Authorize, nil
}
