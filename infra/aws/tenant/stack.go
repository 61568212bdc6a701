package tenant

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/secretkey"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// ContentSecurityPolicy is the CSP CloudFront adds to the web app's
// responses (the API's own, stricter one is kept: no override).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// TableActions are the DynamoDB actions every function may call on the
// table: exactly the methods of dynamo.API (the store adapter's client
// interface), plus ConditionCheckItem, which a TransactWriteItems with a
// condition-only item requires.
var TableActions = []string{
	"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:PutItem",
	"dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem",
}

// KeyActions are the KMS actions on the tenant key: DynamoDB and Secrets
// Manager use it on the caller's behalf.
var KeyActions = []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}

// Needs is what a function reads beyond the table: SES (sesmail.Configure
// in its main), the sealing key (secretkey.Configure) and the edge's
// KeyValueStore, which it writes the admin alias to (aliaskvs.Configure). A
// test checks it against functions/<name>/main.go.
type Needs struct{ Mail, Key, Alias bool }

// FunctionNeeds maps every function that needs more than the table to its
// needs; the others get none.
var FunctionNeeds = map[string]Needs{
	"login":         {Key: true},
	"reset-request": {Mail: true},
	"reset-confirm": {Mail: true},
	"password":      {Mail: true},
	"totp":          {Mail: true, Key: true},
	"admin":         {Mail: true, Key: true, Alias: true},
	"bootstrap":     {Mail: true},
}

// ThrottledRoutes are the authentication routes with their own, tighter
// API Gateway throttling (SECURITY.md "Operations").
var ThrottledRoutes = []string{
	"POST /api/auth/login",
	"POST /api/auth/login/mfa",
	"POST /api/auth/password/reset",
	"POST /api/auth/password/reset/confirm",
	"POST /api/auth/invitation/accept",
	"POST /api/auth/password/change",
	"POST /api/auth/reauth",
	// Each start stores a state record: throttled like the sign-in it is.
	"GET /api/auth/sso/{providerId}/start",
	"GET /api/auth/sso/callback",
}

// Throttling: the stage's default and the auth routes' (requests per
// second, burst).
const (
	StageRate, StageBurst = 100, 200
	AuthRate, AuthBurst   = 10, 20
)

// Memory sizes in MB: argon2id (m=19 MiB) wants the CPU that comes with
// memory.
const (
	HashMemoryMB  = 1024
	PlainMemoryMB = 256
)

// LogRetention is how long function logs are kept.
const LogRetention = awslogs.RetentionDays_THREE_MONTHS

// AuthorizerExportName is the CloudFormation export other Backoffice stacks
// import to attach the authorizer.
func AuthorizerExportName(tenant string) string { return tenant + "-gatepass-authorizer-arn" }

// EdgeAliasKey is the KeyValueStore key the CloudFront Function reads, and
// its initial value (no alias). The value is only the store's import
// source: changing it would replace the store, and with it the alias the
// admin function wrote.
const (
	EdgeAliasKey     = alias.EdgeKey
	edgeInitialValue = `{"alias": ""}`
)

// EdgeStoreActions are what the functions that publish the admin alias
// (Needs.Alias) may call on the edge's KeyValueStore: exactly the calls of
// the kvs publisher (package alias/kvs).
var EdgeStoreActions = []string{"cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:PutKey"}

//go:embed keyinit.js
var keyInitSource string

// Stack is the tenant stack and the constructs its tests look at.
type Stack struct {
	Stack        awscdk.Stack
	Table        awsdynamodb.Table
	Key          awskms.Key
	Secret       awssecretsmanager.Secret
	Functions    map[string]awslambda.Function
	Roles        map[string]awsiam.Role
	API          awsapigatewayv2.HttpApi
	Distribution awscloudfront.Distribution
	// EdgeStore is the KeyValueStore the CloudFront Function reads the
	// admin alias from, and the admin function writes it to.
	EdgeStore awscloudfront.KeyValueStore
	// Bootstrap is the custom resource that invites the first super_admin.
	Bootstrap awscdk.CustomResource
	// UserPool and UserPoolClient are what SSO federates through (7/8).
	UserPool       awscognito.UserPool
	UserPoolClient awscognito.UserPoolClient
}

// New defines the stack of cfg's tenant in scope. It fails, before
// defining anything, when cfg is invalid or a function's binary is missing.
func New(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config) (*Stack, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tenant config: %w", err)
	}
	if err := checkCognitoTenant(cfg.Tenant); err != nil {
		return nil, fmt.Errorf("tenant config: %w", err)
	}
	fns := routes.Table()
	if err := checkAssets(cfg, fns); err != nil {
		return nil, err
	}
	for name := range FunctionNeeds {
		if _, ok := routes.Lookup(name); !ok {
			return nil, fmt.Errorf("tenant: FunctionNeeds names %q, which is not in the route table", name)
		}
	}
	for name := range CognitoActions {
		if _, ok := routes.Lookup(name); !ok {
			return nil, fmt.Errorf("tenant: CognitoActions names %q, which is not in the route table", name)
		}
	}
	if props == nil {
		props = &awscdk.StackProps{}
	}
	if props.Description == nil {
		props.Description = jsii.String("Gatepass access service of tenant " + cfg.Tenant)
	}
	st := awscdk.NewStack(scope, jsii.String(id), props)
	awscdk.Tags_Of(st).Add(jsii.String("gatepass:tenant"), jsii.String(cfg.Tenant), nil)
	s := &Stack{Stack: st, Functions: map[string]awslambda.Function{}, Roles: map[string]awsiam.Role{}}

	s.data(cfg)
	mail := s.mail(cfg)
	web := s.webBucket(cfg)
	s.API = awsapigatewayv2.NewHttpApi(st, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("Gatepass " + cfg.Tenant),
		CreateDefaultStage: jsii.Bool(false),
	})
	s.Distribution = s.cdn(cfg, web)
	publicURL := "https://" + cfg.DomainName
	if cfg.DomainName == "" {
		publicURL = "https://" + *s.Distribution.DistributionDomainName()
	}
	idp := s.cognito(cfg, publicURL)
	for _, f := range fns {
		s.function(cfg, f, publicURL, mail, idp)
	}
	s.httpAPI(fns)
	s.exportAuthorizer(cfg)
	s.bootstrap(cfg)
	s.alarms(cfg, fns)

	awscdk.NewCfnOutput(st, jsii.String("Url"), &awscdk.CfnOutputProps{Value: jsii.String(publicURL), Description: jsii.String("The tenant's Backoffice URL")})
	awscdk.NewCfnOutput(st, jsii.String("DistributionDomainName"), &awscdk.CfnOutputProps{Value: s.Distribution.DistributionDomainName(), Description: jsii.String("CNAME target of a custom domain")})
	awscdk.NewCfnOutput(st, jsii.String("TableName"), &awscdk.CfnOutputProps{Value: s.Table.TableName()})
	awscdk.NewCfnOutput(st, jsii.String("KeySecretArn"), &awscdk.CfnOutputProps{Value: s.Secret.SecretArn()})
	return s, nil
}

// checkAssets fails with one message naming every missing bootstrap.
func checkAssets(cfg Config, fns []routes.Function) error {
	var missing []string
	for _, f := range fns {
		p := filepath.Join(cfg.BinDir, f.Name, "bootstrap")
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("tenant: missing Lambda binaries %v (binDir %q): run make build first", missing, cfg.BinDir)
	}
	if st, err := os.Stat(filepath.Join(cfg.WebDir, "index.html")); err != nil || !st.Mode().IsRegular() {
		return errors.New("tenant: no index.html in webDir " + cfg.WebDir)
	}
	return nil
}

// data: the tenant key, the table and the TOTP sealing-key secret.
func (s *Stack) data(cfg Config) {
	s.Key = awskms.NewKey(s.Stack, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Gatepass " + cfg.Tenant + ": table and secrets"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	s.Table = awsdynamodb.NewTable(s.Stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(dynamo.AttrPartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String(dynamo.AttrSortKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(dynamo.AttrTTL),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(true),
		Encryption:         awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey:      s.Key,
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	// Created with a placeholder value, replaced by the key-init custom
	// resource with base64 of 32 random bytes (awskey's format).
	s.Secret = awssecretsmanager.NewSecret(s.Stack, jsii.String("SealingKey"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("Gatepass " + cfg.Tenant + ": key sealing TOTP secrets (base64 of 32 bytes)"),
		EncryptionKey: s.Key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := s.lambdaRole("KeyInit")
	role.AddToPolicy(statement([]string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"}, s.Secret.SecretArn()))
	role.AddToPolicy(statement(KeyActions, s.Key.KeyArn()))
	logs := s.logGroup("KeyInitLogs", role)
	fn := awslambda.NewFunction(s.Stack, jsii.String("KeyInit"), &awslambda.FunctionProps{
		Runtime:       awslambda.Runtime_NODEJS_22_X(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("index.handler"),
		Code:          awslambda.Code_FromInline(jsii.String(keyInitSource)),
		Role:          role,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Timeout:       awscdk.Duration_Seconds(jsii.Number(30)),
		Description:   jsii.String("Gatepass: fills the TOTP sealing-key secret once"),
	})
	cr := awscdk.NewCustomResource(s.Stack, jsii.String("SealingKeyValue"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String("Custom::GatepassSealingKey"),
		Properties:   &map[string]any{"SecretId": s.Secret.SecretArn()},
	})
	cr.Node().AddDependency(role)
}

// mailConfig is what the mailing functions get.
type mailConfig struct {
	configurationSet string
	sendArns         []*string
}

// mail: the SES configuration set and the mail-from domain's identity.
func (s *Stack) mail(cfg Config) mailConfig {
	cs := awsses.NewConfigurationSet(s.Stack, jsii.String("MailConfigurationSet"), &awsses.ConfigurationSetProps{
		SuppressionReasons: awsses.SuppressionReasons_BOUNCES_AND_COMPLAINTS,
		ReputationMetrics:  jsii.Bool(true),
		TlsPolicy:          awsses.ConfigurationSetTlsPolicy_REQUIRE,
	})
	domain := cfg.MailDomain()
	identity := awsses.NewEmailIdentity(s.Stack, jsii.String("MailIdentity"), &awsses.EmailIdentityProps{
		Identity:         awsses.Identity_Domain(jsii.String(domain)),
		ConfigurationSet: cs,
	})
	for i, r := range *identity.DkimRecords() {
		awscdk.NewCfnOutput(s.Stack, jsii.String(fmt.Sprintf("DkimRecord%d", i+1)), &awscdk.CfnOutputProps{
			Value:       awscdk.Fn_Join(jsii.String(" CNAME "), &[]*string{r.Name, r.Value}),
			Description: jsii.String("Publish in the DNS of " + domain + " (SES DKIM)"),
		})
	}
	arn := func(resource, name string) *string {
		return s.Stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String(resource), ResourceName: jsii.String(name)})
	}
	return mailConfig{
		configurationSet: *cs.ConfigurationSetName(),
		sendArns: []*string{
			arn("identity", domain),
			s.Stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String("configuration-set"), ResourceName: cs.ConfigurationSetName()}),
		},
	}
}

// lambdaRole is a role Lambda may assume, with no permissions yet.
func (s *Stack) lambdaRole(id string) awsiam.Role {
	return awsiam.NewRole(s.Stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
}

// logGroup is a function's log group, writable by its role only.
func (s *Stack) logGroup(id string, role awsiam.Role) awslogs.LogGroup {
	lg := awslogs.NewLogGroup(s.Stack, jsii.String(id), &awslogs.LogGroupProps{Retention: LogRetention})
	role.AddToPolicy(statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, lg.LogGroupArn()))
	return lg
}

func statement(actions []string, resources ...*string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	})
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// constructID turns a function or route name into a construct id part.
func constructID(name string) string {
	out := []byte(nonAlnum.ReplaceAllString(name, "-"))
	if len(out) > 0 && out[len(out)-1] == '-' {
		out = out[:len(out)-1]
	}
	return string(out)
}

// function defines one Gatepass function with its own role.
func (s *Stack) function(cfg Config, f routes.Function, publicURL string, mail mailConfig, idp cognitoConfig) {
	id := "Fn-" + constructID(f.Name)
	needs := FunctionNeeds[f.Name]
	role := s.lambdaRole(id)
	role.AddToPolicy(statement(TableActions, s.Table.TableArn()))
	role.AddToPolicy(statement(KeyActions, s.Key.KeyArn()))
	env := map[string]*string{
		lambdarun.EnvTable:     s.Table.TableName(),
		lambdarun.EnvTenant:    jsii.String(cfg.Tenant),
		lambdarun.EnvPublicURL: jsii.String(publicURL),
	}
	if needs.Mail {
		role.AddToPolicy(statement([]string{"ses:SendEmail"}, mail.sendArns...))
		env[sesmail.EnvFrom] = jsii.String(cfg.MailFrom)
		env[sesmail.EnvConfigurationSet] = jsii.String(mail.configurationSet)
	}
	if needs.Key {
		role.AddToPolicy(statement([]string{"secretsmanager:GetSecretValue"}, s.Secret.SecretArn()))
		env[secretkey.EnvSecretID] = s.Secret.SecretArn()
	}
	if needs.Alias {
		role.AddToPolicy(statement(EdgeStoreActions, s.EdgeStore.KeyValueStoreArn()))
		env[lambdarun.EnvAliasKVS] = s.EdgeStore.KeyValueStoreArn()
	}
	if actions, ok := CognitoActions[f.Name]; ok {
		role.AddToPolicy(statement(actions, idp.poolArn))
		idp.env(env)
	}
	memory, reserved := PlainMemoryMB, (*float64)(nil)
	if f.Hashes {
		memory, reserved = HashMemoryMB, jsii.Number(float64(cfg.HashConcurrency))
	}
	fn := awslambda.NewFunction(s.Stack, jsii.String(id), &awslambda.FunctionProps{
		Description:                  jsii.String("Gatepass " + cfg.Tenant + ": " + f.Name),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         awslambda.Code_FromAsset(jsii.String(filepath.Join(cfg.BinDir, f.Name)), nil),
		MemorySize:                   jsii.Number(float64(memory)),
		ReservedConcurrentExecutions: reserved,
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(10)),
		Role:                         role,
		LogGroup:                     s.logGroup(id+"-Logs", role),
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		Environment:                  &env,
	})
	s.Functions[f.Name] = fn
	s.Roles[f.Name] = role
}

// httpAPI maps every route of the table to its function, on a $default
// stage with default throttling and tighter limits on the auth routes.
func (s *Stack) httpAPI(fns []routes.Function) {
	stage := awsapigatewayv2.NewHttpStage(s.Stack, jsii.String("ApiStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    s.API,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle:   &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(StageRate), BurstLimit: jsii.Number(StageBurst)},
	})
	settings := map[string]any{}
	for _, f := range fns {
		if !f.HTTP() {
			continue
		}
		integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Int-"+constructID(f.Name)), s.Functions[f.Name],
			&awsapigatewayv2integrations.HttpLambdaIntegrationProps{PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0()})
		for _, key := range f.Routes {
			method, path := routes.Split(key)
			route := awsapigatewayv2.NewHttpRoute(s.Stack, jsii.String("Route-"+constructID(key)), &awsapigatewayv2.HttpRouteProps{
				HttpApi:     s.API,
				RouteKey:    awsapigatewayv2.HttpRouteKey_With(jsii.String(path), awsapigatewayv2.HttpMethod(method)),
				Integration: integration,
			})
			if slices.Contains(ThrottledRoutes, key) {
				// RouteSettings is untyped JSON in CloudFormation's
				// schema: spell its keys as CloudFormation does.
				settings[key] = map[string]any{"ThrottlingRateLimit": AuthRate, "ThrottlingBurstLimit": AuthBurst}
				// Route settings name routes that must exist first.
				stage.Node().AddDependency(route)
			}
		}
	}
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetRouteSettings(settings)
}

// exportAuthorizer lets API Gateway of this account invoke the authorizer
// and exports its ARN for other Backoffice stacks.
func (s *Stack) exportAuthorizer(cfg Config) {
	fn := s.Functions["authorizer"]
	fn.AddPermission(jsii.String("ApiGatewayInvoke"), &awslambda.Permission{
		Principal:     awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Action:        jsii.String("lambda:InvokeFunction"),
		SourceAccount: s.Stack.Account(),
		SourceArn:     s.Stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("execute-api"), Resource: jsii.String("*")}),
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String("AuthorizerArn"), &awscdk.CfnOutputProps{
		Value:       fn.FunctionArn(),
		Description: jsii.String("HTTP API Lambda authorizer (payload 2.0, simple responses, identity source $request.header.Cookie, TTL 0)"),
		ExportName:  jsii.String(AuthorizerExportName(cfg.Tenant)),
	})
}

// BootstrapResourceType is the type of the custom resource that creates the
// tenant's first super_admin.
const BootstrapResourceType = "Custom::GatepassBootstrap"

// bootstrap: the custom resource the bootstrap function answers. On the
// first deploy it creates the first super_admin (username admin, the
// context's adminEmail) and mails the invitation; every later deploy finds
// the tenant bootstrapped and does nothing — except that a new
// reinviteAdmin value mails a first admin who never set a password a fresh
// link. Deleting the stack leaves the account (the table is retained).
func (s *Stack) bootstrap(cfg Config) {
	cr := awscdk.NewCustomResource(s.Stack, jsii.String("Bootstrap"), &awscdk.CustomResourceProps{
		ServiceToken: s.Functions["bootstrap"].FunctionArn(),
		ResourceType: jsii.String(BootstrapResourceType),
		Properties: &map[string]any{
			app.BootstrapAdminEmail:    cfg.AdminEmail,
			app.BootstrapAdminUsername: app.DefaultAdminUsername,
			"Reinvite":                 cfg.ReinviteAdmin,
		},
	})
	// Its role's policies (table, key, SES) exist before it runs.
	cr.Node().AddDependency(s.Roles["bootstrap"])
	s.Bootstrap = cr
}

// webBucket is the private bucket of the web app.
func (s *Stack) webBucket(cfg Config) awss3.Bucket {
	return awss3.NewBucket(s.Stack, jsii.String("Web"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		// The deployment below empties it on delete; nothing in it is
		// not in the repository.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
}

// cdn: CloudFront in front of the bucket (default) and the HTTP API
// (/api/* and */api/*), with the admin-alias function on every behaviour.
func (s *Stack) cdn(cfg Config, web awss3.Bucket) awscloudfront.Distribution {
	kvs := awscloudfront.NewKeyValueStore(s.Stack, jsii.String("EdgeStore"), &awscloudfront.KeyValueStoreProps{
		Comment: jsii.String("Gatepass " + cfg.Tenant + ": admin alias"),
		Source: awscloudfront.ImportSource_FromInline(jsii.String(
			fmt.Sprintf(`{"data":[{"key":%q,"value":%q}]}`, EdgeAliasKey, edgeInitialValue))),
	})
	s.EdgeStore = kvs
	edge := awscloudfront.NewFunction(s.Stack, jsii.String("EdgeAlias"), &awscloudfront.FunctionProps{
		Comment:       jsii.String("Gatepass admin alias (shared/alias/edge.js)"),
		Code:          awscloudfront.FunctionCode_FromInline(jsii.String(alias.EdgeFunction)),
		Runtime:       awscloudfront.FunctionRuntime_JS_2_0(),
		KeyValueStore: kvs,
	})
	functions := &[]*awscloudfront.FunctionAssociation{{Function: edge, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST}}
	headers := awscloudfront.NewResponseHeadersPolicy(s.Stack, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Gatepass security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{ContentSecurityPolicy: jsii.String(ContentSecurityPolicy), Override: jsii.Bool(false)},
			ContentTypeOptions:    &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			ReferrerPolicy:        &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
			FrameOptions:          &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
		},
	})
	apiDomain := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), s.API.ApiEndpoint(), nil))
	api := &awscloudfront.BehaviorOptions{
		Origin: awscloudfrontorigins.NewHttpOrigin(apiDomain, &awscloudfrontorigins.HttpOriginProps{
			ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
			OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
		}),
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
		AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
		CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
		OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
		ResponseHeadersPolicy: headers,
		FunctionAssociations:  functions,
	}
	props := &awscloudfront.DistributionProps{
		Comment:           jsii.String("Gatepass " + cfg.Tenant),
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_100,
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(web, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			FunctionAssociations:  functions,
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{"/api/*": api, "*/api/*": api},
	}
	if cfg.DomainName != "" {
		props.DomainNames = jsii.Strings(cfg.DomainName)
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(s.Stack, jsii.String("Certificate"), jsii.String(cfg.CertificateArn))
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	dist := awscloudfront.NewDistribution(s.Stack, jsii.String("Cdn"), props)
	awss3deployment.NewBucketDeployment(s.Stack, jsii.String("WebDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(cfg.WebDir), &awss3assets.AssetOptions{Exclude: jsii.Strings("e2e", "e2e/**")})},
		DestinationBucket: web,
		Distribution:      dist,
		DistributionPaths: jsii.Strings("/*"),
		RetainOnDelete:    jsii.Bool(false),
		MemoryLimit:       jsii.Number(256),
	})
	return dist
}
