package tenant

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

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
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/hashmem"
	"github.com/gatepass/gatepass/shared/app/lambdarun"
	"github.com/gatepass/gatepass/shared/app/lambdarun/secretkey"
	"github.com/gatepass/gatepass/shared/app/lambdarun/sesmail"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// ContentSecurityPolicy is the CSP CloudFront adds to the web app's
// responses (the API's own, stricter one is kept: no override).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// TableActions are the DynamoDB actions a function's role may take on the
// table: exactly those its own flows send, as derived by the route walk of
// shared/app (routes.DynamoDBActions, shared/routes/dynamodb_actions.json).
// A transaction needs its elements' actions; there is no IAM action for
// TransactWriteItems itself. A test compares the synthesized grants with
// the derived list.
func TableActions(function string) ([]string, error) {
	actions, ok := routes.DynamoDBActions(function)
	if !ok || len(actions) == 0 {
		return nil, fmt.Errorf("tenant: no derived DynamoDB actions for %q (shared/routes/dynamodb_actions.json)", function)
	}
	return actions, nil
}

// TableKeyActions are the KMS actions a function's role may take on the
// tenant key through DynamoDB (condition kms:ViaService): decrypting the
// table's key, and generating data keys for the items it writes — never
// direct use of the key.
func TableKeyActions() []string {
	return []string{"kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"}
}

// SecretKeyActions are the KMS actions a function that reads a secret may
// take on the tenant key through Secrets Manager (kms:ViaService).
func SecretKeyActions() []string { return []string{"kms:Decrypt"} }

// viaService is the kms:ViaService condition that limits a key grant to
// calls the named service makes for the caller in the stack's region.
func (s *Stack) viaService(service string) *map[string]any {
	return &map[string]any{"StringEquals": map[string]any{
		"kms:ViaService": fmt.Sprintf("%s.%s.amazonaws.com", service, *s.Stack.Region()),
	}}
}

// keyStatement grants actions on the tenant key when service uses it for
// the caller.
func (s *Stack) keyStatement(actions []string, service string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings(actions...),
		Resources:  &[]*string{s.Key.KeyArn()},
		Conditions: s.viaService(service),
	})
}

// Needs is what a function reads beyond the table: SES (sesmail.Configure
// in its main), the sealing key (secretkey.Configure) and the edge's
// KeyValueStore, which it writes the admin alias to (aliaskvs.Configure). A
// test checks it against functions/<name>/main.go.
type Needs struct{ Mail, Key, Alias bool }

// FunctionNeeds maps every function that needs more than the table to its
// needs; the others get none.
var FunctionNeeds = map[string]Needs{
	"login":         {Mail: true, Key: true},
	"reset-request": {Mail: true},
	"reset-confirm": {Mail: true},
	"password":      {Mail: true},
	"mfa":           {Mail: true, Key: true},
	"admin":         {Mail: true, Key: true, Alias: true},
	"bootstrap":     {Mail: true, Alias: true},
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
	// Each begin stores a challenge; a finish verifies a signature.
	"POST /api/auth/login/passkey/begin",
	"POST /api/auth/login/passkey/finish",
	// Each start stores a state record: throttled like the sign-in it is.
	"GET /api/auth/sso/{providerId}/start",
	"GET /api/auth/sso/callback",
}

// Throttling: the stage's default and the auth routes' (requests per
// second, burst).
const (
	// StageRate is each route's own limit unless it has a tighter one: far
	// above what a tenant's staff send, and the bound of what an attack
	// on the other routes can cost (make cost: "Under attack").
	StageRate, StageBurst = 20, 40
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

// Shared is what a tenant stack uses of its operator's stack in the same
// account and region (package operator).
type Shared struct {
	// Key encrypts the table and the secrets.
	Key awskms.IKey
	// ConfigurationSet is the SES configuration set the tenant sends
	// through; the operator stack holds the identity of its mail domain.
	ConfigurationSet string
	// AlarmTopic receives the tenant's own alarms (AlarmAdminEmail).
	AlarmTopic awssns.ITopic
}

// Stack is the tenant stack and the constructs its tests look at.
type Stack struct {
	Stack awscdk.Stack
	// Table is the tenant's table: created, or adopted (context tableName).
	Table awsdynamodb.ITable
	// Key is the operator's key.
	Key    awskms.IKey
	Secret awssecretsmanager.Secret
	// OriginSecret is the value CloudFront sends the API as the origin
	// header: the functions refuse requests without it.
	OriginSecret awssecretsmanager.Secret
	Functions    map[string]awslambda.Function
	Roles        map[string]awsiam.Role
	API          awsapigatewayv2.HttpApi
	Distribution awscloudfront.Distribution
	// EdgeStore is the KeyValueStore the CloudFront Function reads the
	// admin alias from, and the admin function writes it to.
	EdgeStore awscloudfront.KeyValueStore
	// Bootstrap is the custom resource that invites the first super_admin.
	Bootstrap awscdk.CustomResource
	// UserPool and UserPoolClient are what SSO federates through (7/8); the
	// pool is created, or adopted (context userPoolId).
	UserPool       awscognito.IUserPool
	UserPoolClient awscognito.UserPoolClient
	// SSOSync is the custom resource that gives the app client back the
	// providers saved through the admin API after a deploy updated it.
	SSOSync awscdk.CustomResource
	// Logs is the bucket of CloudFront's and the web bucket's access logs.
	Logs awss3.Bucket
	// APIAccessLogs is the HTTP API stage's access log.
	APIAccessLogs awslogs.LogGroup
	// AdminAlarms is the topic of the tenant's own alarms, mailed to
	// AlarmAdminEmail; nil without one.
	AdminAlarms awssns.Topic

	routes  []awsapigatewayv2.HttpRoute
	keyInit awslambda.Function
}

// New defines the stack of cfg's tenant in scope. It fails, before
// defining anything, when cfg is invalid or a function's binary is missing.
func New(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, shared Shared) (*Stack, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tenant config: %w", err)
	}
	if err := checkCognitoTenant(cfg.Tenant); err != nil {
		return nil, fmt.Errorf("tenant config: %w", err)
	}
	if shared.Key == nil || shared.ConfigurationSet == "" || shared.AlarmTopic == nil {
		return nil, errors.New("tenant: the operator's key, configuration set and alarm topic are required (package operator)")
	}
	if cfg.WAF && cfg.WebACLArn == "" {
		return nil, fmt.Errorf("tenant config: the WAF is on (context %s) but no WebACL is named: the app attaches the edge stack's, or give -c %s=<arn>", CtxWAF, CtxWebACLArn)
	}
	fns := routes.Table()
	if err := checkAssets(cfg, fns); err != nil {
		return nil, err
	}
	for _, f := range fns {
		if _, err := TableActions(f.Name); err != nil {
			return nil, err
		}
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
	if props.TerminationProtection == nil {
		props.TerminationProtection = jsii.Bool(true) // a tenant's sign-in is not deleted by accident
	}
	st := awscdk.NewStack(scope, jsii.String(id), props)
	awscdk.Tags_Of(st).Add(jsii.String("gatepass:tenant"), jsii.String(cfg.Tenant), nil)
	version := cfg.Version
	if version == "" {
		version = "unknown"
	}
	awscdk.Tags_Of(st).Add(jsii.String("gatepass:version"), jsii.String(version), nil)
	s := &Stack{Stack: st, Key: shared.Key, Functions: map[string]awslambda.Function{}, Roles: map[string]awsiam.Role{}}

	s.data(cfg)
	mail := s.mail(cfg, shared)
	s.Logs = s.logBucket()
	web := s.webBucket(cfg)
	s.API = awsapigatewayv2.NewHttpApi(st, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String("gatepass-" + cfg.Tenant),
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
	s.httpAPI(cfg, fns)
	s.exportAuthorizer(cfg)
	s.bootstrap(cfg)
	s.ssoSync()
	s.alarms(cfg, shared)
	s.suppressions(cfg)

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

// data: the table (created, or adopted from a restore), the origin secret
// and the TOTP sealing-key secret, all under the operator's key.
func (s *Stack) data(cfg Config) {
	if cfg.TableName != "" {
		// A table restored from a point in time (README runbook): the
		// stack uses it as it is; PITR and deletion protection are set on
		// it by the runbook.
		s.Table = awsdynamodb.Table_FromTableAttributes(s.Stack, jsii.String("Table"), &awsdynamodb.TableAttributes{
			TableName: jsii.String(cfg.TableName), EncryptionKey: s.Key,
		})
	} else {
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
	}
	// Created with a placeholder value, replaced by the key-init custom
	// resource with base64 of 32 random bytes (awskey's format).
	s.Secret = awssecretsmanager.NewSecret(s.Stack, jsii.String("SealingKey"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("Gatepass " + cfg.Tenant + ": key sealing TOTP secrets (base64 of 32 bytes)"),
		EncryptionKey: s.Key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// The origin-verification secret: random, generated by Secrets Manager,
	// so its value is in no template, context or log. CloudFront reads it
	// at deploy time through a dynamic reference (originHeaders); the
	// functions at cold start. Rotate it as the README says.
	s.OriginSecret = awssecretsmanager.NewSecret(s.Stack, jsii.String("OriginSecret"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("Gatepass " + cfg.Tenant + ": CloudFront's origin-verification header value"),
		EncryptionKey: s.Key,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(64), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY, // worthless once the distribution is gone
	})
	role := s.lambdaRole("KeyInit")
	role.AddToPolicy(statement([]string{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"}, s.Secret.SecretArn()))
	// PutSecretValue encrypts the new value with the key: a data key.
	role.AddToPolicy(s.keyStatement([]string{"kms:Decrypt", "kms:GenerateDataKey"}, "secretsmanager"))
	logs := s.logGroup("KeyInitLogs", LogGroupName(cfg.Tenant, "key-init"), role)
	s.keyInit = awslambda.NewFunction(s.Stack, jsii.String("KeyInit"), &awslambda.FunctionProps{
		Runtime:       awslambda.Runtime_NODEJS_24_X(),
		Architecture:  awslambda.Architecture_ARM_64(),
		MemorySize:    jsii.Number(128),
		Handler:       jsii.String("index.handler"),
		Code:          awslambda.Code_FromInline(jsii.String(keyInitSource)),
		Role:          role,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Timeout:       awscdk.Duration_Seconds(jsii.Number(30)),
		Description:   jsii.String("Gatepass: fills the TOTP sealing-key secret once"),
	})
	cr := awscdk.NewCustomResource(s.Stack, jsii.String("SealingKeyValue"), &awscdk.CustomResourceProps{
		ServiceToken: s.keyInit.FunctionArn(),
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

// mail: what the tenant sends mail through — the operator's identity of its
// mail-from domain and the operator's configuration set. The tenant owns no
// SES resource: two tenants may share a domain, and destroying one leaves
// the other's mail alone.
func (s *Stack) mail(cfg Config, shared Shared) mailConfig {
	arn := func(resource, name string) *string {
		return s.Stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String(resource), ResourceName: jsii.String(name)})
	}
	return mailConfig{
		configurationSet: shared.ConfigurationSet,
		sendArns:         []*string{arn("identity", cfg.MailDomain()), arn("configuration-set", shared.ConfigurationSet)},
	}
}

// lambdaRole is a role Lambda may assume, with no permissions yet.
func (s *Stack) lambdaRole(id string) awsiam.Role {
	return awsiam.NewRole(s.Stack, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
}

// logGroup is a function's log group, named name, writable by its role only.
func (s *Stack) logGroup(id, name string, role awsiam.Role) awslogs.LogGroup {
	lg := awslogs.NewLogGroup(s.Stack, jsii.String(id), &awslogs.LogGroupProps{
		LogGroupName: jsii.String(name), Retention: LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN, // the record of who signed in, kept after the stack
	})
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
	tableActions, _ := TableActions(f.Name) // New checked every function has them
	role.AddToPolicy(statement(tableActions, s.Table.TableArn()))
	role.AddToPolicy(s.keyStatement(TableKeyActions(), "dynamodb"))
	env := map[string]*string{
		lambdarun.EnvTable:     s.Table.TableName(),
		lambdarun.EnvTenant:    jsii.String(cfg.Tenant),
		lambdarun.EnvPublicURL: jsii.String(publicURL),
	}
	if needs.Mail {
		// Only as its own sender: tenants share the operator's identities.
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:    jsii.Strings("ses:SendEmail"),
			Resources:  &mail.sendArns,
			Conditions: &map[string]any{"StringEquals": map[string]any{"ses:FromAddress": cfg.MailFrom}},
		}))
		env[sesmail.EnvFrom] = jsii.String(cfg.MailFrom)
		env[sesmail.EnvConfigurationSet] = jsii.String(mail.configurationSet)
	}
	var secrets []*string
	if needs.Key {
		secrets = append(secrets, s.Secret.SecretArn())
		env[secretkey.EnvSecretID] = s.Secret.SecretArn()
	}
	if f.HTTP() {
		// Every HTTP function checks CloudFront's origin header against
		// the secret's current and previous value.
		secrets = append(secrets, s.OriginSecret.SecretArn())
		env[EnvOriginSecret] = s.OriginSecret.SecretArn()
	}
	if len(secrets) > 0 {
		role.AddToPolicy(statement([]string{"secretsmanager:GetSecretValue"}, secrets...))
		role.AddToPolicy(s.keyStatement(SecretKeyActions(), "secretsmanager"))
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
		// MADV_FREE: argon2id's block array stays mapped between sign-ins
		// instead of being faulted in again for each (shared/app/hashmem;
		// the runtime reads it only at start, so it must be here).
		env["GODEBUG"] = jsii.String(hashmem.GODEBUG)
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
		LogGroup:                     s.logGroup(id+"-Logs", LogGroupName(cfg.Tenant, f.Name), role),
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		Environment:                  &env,
	})
	s.Functions[f.Name] = fn
	s.Roles[f.Name] = role
}

// httpAPI maps every route of the table to its function, on a $default
// stage with default throttling, tighter limits on the auth routes and one
// JSON access log line per request.
func (s *Stack) httpAPI(cfg Config, fns []routes.Function) {
	s.APIAccessLogs = awslogs.NewLogGroup(s.Stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String(LogGroupName(cfg.Tenant, "api-access")),
		Retention:    LogRetention,
		// Kept with the stack's other records (the table, the function logs).
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	stage := awsapigatewayv2.NewHttpStage(s.Stack, jsii.String("ApiStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    s.API,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle:   &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(StageRate), BurstLimit: jsii.Number(StageBurst)},
	})
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: s.APIAccessLogs.LogGroupArn(),
		Format:         jsii.String(APIAccessLogFormat()),
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
			s.routes = append(s.routes, route)
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

// APIAccessLogFormat is the HTTP API stage's access log line: one JSON
// object per request. edgeIp is the CloudFront edge the request came
// through (API Gateway cannot log a request header, so the client address
// is in the function's own line, joined by lambdaRequestId, the Lambda
// invocation's request id). No header, cookie, query string or body is
// logged: nothing secret reaches the line, and the path is the route key
// (the admin alias is stripped at the edge).
func APIAccessLogFormat() string {
	fields := [][2]string{
		{"requestId", "$context.requestId"},
		{"lambdaRequestId", "$context.integration.requestId"},
		{"time", "$context.requestTime"},
		{"edgeIp", "$context.identity.sourceIp"},
		{"route", "$context.routeKey"},
		{"status", "$context.status"},
		{"latencyMs", "$context.responseLatency"},
		{"integrationLatencyMs", "$context.integrationLatency"},
		{"integrationStatus", "$context.integrationStatus"},
		{"integrationError", "$context.integrationErrorMessage"},
		{"responseBytes", "$context.responseLength"},
		{"protocol", "$context.protocol"},
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = fmt.Sprintf("%q:%q", f[0], f[1])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// LogGroupName is the name of one of a tenant's log groups:
// /gatepass/<tenant>/<what>.
func LogGroupName(tenant, what string) string { return "/gatepass/" + tenant + "/" + what }

// exportAuthorizer lets the HTTP APIs named in context authorizerConsumers —
// and no other — invoke the authorizer, and exports its ARN for other
// Backoffice stacks. Without consumers nobody may invoke it.
func (s *Stack) exportAuthorizer(cfg Config) {
	fn := s.Functions["authorizer"]
	for _, api := range cfg.AuthorizerConsumers {
		fn.AddPermission(jsii.String("Invoke-"+api), &awslambda.Permission{
			Principal:     awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
			Action:        jsii.String("lambda:InvokeFunction"),
			SourceAccount: s.Stack.Account(),
			// Any authorizer of that API (its id is the API's, not ours).
			SourceArn: s.Stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("execute-api"),
				Resource: jsii.String(api), ResourceName: jsii.String("authorizers/*")}),
		})
	}
	awscdk.NewCfnOutput(s.Stack, jsii.String("AuthorizerArn"), &awscdk.CfnOutputProps{
		Value:       fn.FunctionArn(),
		Description: jsii.String("HTTP API Lambda authorizer (payload 2.0, simple responses, identity source $request.header.Cookie, TTL 0)"),
		ExportName:  jsii.String(AuthorizerExportName(cfg.Tenant)),
	})
}

// BootstrapResourceType is the type of the custom resource that creates the
// tenant's first super_admin.
const BootstrapResourceType = app.BootstrapResourceType

// bootstrap: the custom resource the bootstrap function answers. On the
// first deploy it creates the first super_admin (username admin, the
// context's adminEmail) and mails the invitation; every later deploy finds
// the tenant bootstrapped and does nothing — except that a new
// reinviteAdmin value mails a first admin who never set a password a fresh
// link. The context's adminAlias is the tenant's initial admin alias: set
// with the first admin, then given to the edge's KeyValueStore; after every
// bootstrap the function gives the edge the alias the parameters hold, so a
// deploy never leaves the two apart. Deleting the stack leaves the account
// (the table is retained).
func (s *Stack) bootstrap(cfg Config) {
	cr := awscdk.NewCustomResource(s.Stack, jsii.String("Bootstrap"), &awscdk.CustomResourceProps{
		ServiceToken: s.Functions["bootstrap"].FunctionArn(),
		ResourceType: jsii.String(BootstrapResourceType),
		Properties: &map[string]any{
			app.BootstrapAdminEmail:    cfg.AdminEmail,
			app.BootstrapAdminUsername: app.DefaultAdminUsername,
			app.BootstrapAdminAlias:    cfg.AdminAlias,
			"Reinvite":                 cfg.ReinviteAdmin,
		},
	})
	// Its role's policies (table, key, SES) exist before it runs.
	cr.Node().AddDependency(s.Roles["bootstrap"])
	s.Bootstrap = cr
}

// ssoSync: the custom resource that gives the Cognito app client back the
// identity providers saved through the admin API (app.SSOSyncer, answered
// by the bootstrap function). CloudFormation owns the client's
// SupportedIdentityProviders and resets them whenever it updates the
// client, so the resource's Client property is the client's whole
// configuration: whatever changes the client changes the property too, and
// CloudFormation then updates the resource — after the client, which it
// depends on.
func (s *Stack) ssoSync() {
	client := s.UserPoolClient.Node().DefaultChild().(awscognito.CfnUserPoolClient)
	fingerprint := s.Stack.ToJsonString(map[string]any{
		"id": s.UserPoolClient.UserPoolClientId(), "callbacks": client.CallbackUrLs(), "logouts": client.LogoutUrLs(),
		"scopes": client.AllowedOAuthScopes(), "flows": client.AllowedOAuthFlows(), "authFlows": client.ExplicitAuthFlows(),
		"read": client.ReadAttributes(), "write": client.WriteAttributes(), "idToken": client.IdTokenValidity(),
		"accessToken": client.AccessTokenValidity(), "refreshToken": client.RefreshTokenValidity(),
		"providers": client.SupportedIdentityProviders(),
	}, nil)
	cr := awscdk.NewCustomResource(s.Stack, jsii.String("SsoSync"), &awscdk.CustomResourceProps{
		ServiceToken: s.Functions["bootstrap"].FunctionArn(),
		ResourceType: jsii.String(app.SSOSyncResourceType),
		Properties:   &map[string]any{"Client": fingerprint},
	})
	cr.Node().AddDependency(s.UserPoolClient, s.Roles["bootstrap"])
	s.SSOSync = cr
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
		RemovalPolicy:          awscdk.RemovalPolicy_DESTROY,
		ServerAccessLogsBucket: s.Logs,
		ServerAccessLogsPrefix: jsii.String(WebBucketLogPrefix),
	})
}

// Log prefixes in the logs bucket, and how long logs are kept.
const (
	CloudFrontLogPrefix = "cloudfront/"
	WebBucketLogPrefix  = "s3-web/"
	LogBucketDays       = 90
)

// logBucket is the bucket CloudFront's standard logs and the web bucket's
// server access logs go to. CloudFront's legacy delivery writes with an
// ACL, so the bucket lets the writer's ACL stand (BUCKET_OWNER_PREFERRED);
// its objects expire after LogBucketDays, and it is retained with the stack
// like every other record of who did what.
func (s *Stack) logBucket() awss3.Bucket {
	return awss3.NewBucket(s.Stack, jsii.String("Logs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(LogBucketDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// originHeaders are the headers CloudFront adds to every request to the API:
// the origin-verification secret, through a CloudFormation dynamic
// reference ({{resolve:secretsmanager:…}}), which CloudFormation resolves
// at deploy time without the value entering the template.
func (s *Stack) originHeaders() *map[string]*string {
	return &map[string]*string{OriginHeader: s.OriginSecret.SecretValue().UnsafeUnwrap()}
}

// APIForwardedHeaders are the request headers CloudFront passes to the
// API: those the functions read (the admin alias header is the edge
// function's own), and CloudFront-Viewer-Address, CloudFront's record of
// the client address.
func APIForwardedHeaders() []string {
	return []string{"Accept-Language", "Content-Type", "Origin", "User-Agent", httpapi.RequestIDHeader, alias.Header,
		ViewerAddressHeader}
}

// ViewerAddressHeader is the CloudFront header with the client's address and
// port (API.md "The client address").
const ViewerAddressHeader = origin.ViewerAddressHeader

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
	// What reaches the API: the viewer's headers the functions read, and
	// CloudFront's own CloudFront-Viewer-Address, the client address the
	// functions trust on a request that carries the origin secret. The
	// viewer's Host never goes (API Gateway routes on its own host), nor
	// any other header: a client cannot smuggle a trusted-looking one.
	originRequests := awscloudfront.NewOriginRequestPolicy(s.Stack, jsii.String("ApiOriginRequests"), &awscloudfront.OriginRequestPolicyProps{
		Comment:             jsii.String("Gatepass " + cfg.Tenant + ": what the API reads"),
		HeaderBehavior:      awscloudfront.OriginRequestHeaderBehavior_AllowList(*jsii.Strings(APIForwardedHeaders()...)...),
		CookieBehavior:      awscloudfront.OriginRequestCookieBehavior_All(),
		QueryStringBehavior: awscloudfront.OriginRequestQueryStringBehavior_All(),
	})
	api := &awscloudfront.BehaviorOptions{
		Origin: awscloudfrontorigins.NewHttpOrigin(apiDomain, &awscloudfrontorigins.HttpOriginProps{
			ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
			OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
			CustomHeaders:      s.originHeaders(),
		}),
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
		AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
		CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
		OriginRequestPolicy:   originRequests,
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
		// Standard logs (legacy delivery: free, to S3) without cookies,
		// which carry session tokens.
		EnableLogging:      jsii.Bool(true),
		LogBucket:          s.Logs,
		LogFilePrefix:      jsii.String(CloudFrontLogPrefix),
		LogIncludesCookies: jsii.Bool(false),
	}
	if cfg.WAF {
		props.WebAclId = jsii.String(cfg.WebACLArn)
	}
	if cfg.DomainName != "" {
		props.DomainNames = jsii.Strings(cfg.DomainName)
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(s.Stack, jsii.String("Certificate"), jsii.String(cfg.CertificateArn))
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2025
	}
	dist := awscloudfront.NewDistribution(s.Stack, jsii.String("Cdn"), props)
	deployLogs := awslogs.NewLogGroup(s.Stack, jsii.String("WebDeploymentLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(LogGroupName(cfg.Tenant, "web-deployment")),
		Retention:     LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY, // a record of uploads, nothing more
	})
	awss3deployment.NewBucketDeployment(s.Stack, jsii.String("WebDeployment"), &awss3deployment.BucketDeploymentProps{
		LogGroup:          deployLogs,
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(cfg.WebDir), &awss3assets.AssetOptions{Exclude: jsii.Strings("e2e", "e2e/**")})},
		DestinationBucket: web,
		Distribution:      dist,
		DistributionPaths: jsii.Strings("/*"),
		RetainOnDelete:    jsii.Bool(false),
		MemoryLimit:       jsii.Number(256),
	})
	return dist
}

// OriginHeader is the header CloudFront sends the API the origin secret in;
// EnvOriginSecret names the secret for the functions (package origin).
const (
	OriginHeader    = origin.Header
	EnvOriginSecret = lambdarun.EnvOriginSecret
)
