// Gatepass: fill the TOTP sealing-key secret (CloudFormation custom resource).
// The value is the standard, padded base64 of 32 random bytes — the format
// github.com/gatepass/gatepass/shared/secretbox/awskey reads. A secret that
// already holds such a key keeps it (re-sealing every TOTP secret is not a
// deployment's business); anything else (the placeholder Secrets Manager
// generated at creation) is replaced. Update and Delete change nothing.
const crypto = require('node:crypto');
const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager');

const sm = new SecretsManagerClient({});

function isKey(s) {
  return typeof s === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(s.trim()) && Buffer.from(s.trim(), 'base64').length === 32;
}

async function ensureKey(secretId) {
  let current;
  try {
    current = (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    if (err.name !== 'ResourceNotFoundException') throw err;
  }
  if (isKey(current)) return 'kept';
  await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: crypto.randomBytes(32).toString('base64') }));
  return 'generated';
}

async function respond(event, status, reason) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: event.PhysicalResourceId || event.ResourceProperties.SecretId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!res.ok) throw new Error('response to CloudFormation: HTTP ' + res.status);
}

exports.handler = async (event) => {
  try {
    let outcome = 'unchanged';
    if (event.RequestType === 'Create') outcome = await ensureKey(event.ResourceProperties.SecretId);
    console.log(JSON.stringify({ msg: 'sealing key', requestType: event.RequestType, outcome }));
    await respond(event, 'SUCCESS', outcome);
  } catch (err) {
    console.log(JSON.stringify({ msg: 'sealing key failed', error: String(err && err.name) }));
    await respond(event, 'FAILED', 'sealing key: ' + String(err && err.name));
  }
};
