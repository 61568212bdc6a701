// Package lambdae2e holds the end-to-end test of Gatepass's Lambda
// functions as Lambda runs them: each function's real `bootstrap`, built
// for the host with the Lambda tag and the test binary's own flags (its
// -race: the packages the tests compiled are reused; coldstart.BuildWith),
// is
// started under the official AWS Lambda Runtime Interface Emulator
// (aws-lambda-rie, package infra/bench/rie) and sent API Gateway v2 events
// as CloudFront and the HTTP API would send them; DynamoDB is DynamoDB
// Local and SES is aws-ses-v2-local (package dynamolocal and seslocal).
//
// The functions honour no DynamoDB or Secrets Manager endpoint override, as
// in AWS; their AWS calls go through HTTPS_PROXY to package awsfake, which
// forwards DynamoDB to DynamoDB Local and answers Secrets Manager (the
// origin secret and the sealing key). SES is reached through the mailer's
// GATEPASS_SES_ENDPOINT, over plain HTTP on loopback.
//
// It lives under shared/internal because the emulator helpers it uses are
// internal to shared/; it has no code outside its test.
package lambdae2e
