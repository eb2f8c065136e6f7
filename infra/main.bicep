// ComplianceBot: everything one practice needs, in one resource group.
//
//   storage      Storage account: Functions host storage, Flex deployment container, the app's tables, the clinic-run queues
//   monitoring   Log Analytics workspace + Application Insights
//   keyvault     Key Vault (RBAC) holding the SendGrid API key
//   functionapp  Linux Function App running the .NET isolated worker, Flex Consumption (or EP1)
//   roles        Data-plane roles for the app's system-assigned identity
//   auth         App Service Authentication with Entra ID, 401 for anonymous callers
//
// Deploy: see docs/deploy.md.
targetScope = 'resourceGroup'

@description('Short name used in resource names (lowercase letters and digits).')
@minLength(2)
@maxLength(13)
param appName string = 'compliancebot'

@description('Azure region. Must offer the Flex Consumption plan when planSku is FC1 (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@allowed([
  'FC1'
  'EP1'
])
@description('Hosting plan: FC1 = Flex Consumption (default, pay per use), EP1 = Elastic Premium.')
param planSku string = 'FC1'

@description('Application (client) id of the Entra app registration with the HR and Manager app roles.')
param entraClientId string

@description('Directory (tenant) id of the Entra app registration. Defaults to the tenant of this subscription.')
param entraTenantId string = subscription().tenantId

@secure()
@description('SendGrid API key with the Mail Send permission only. Required on the first deployment; leave empty later to keep the key stored in Key Vault.')
param sendGridApiKey string = ''

@description('SendGrid v3 API base URL.')
param sendGridBaseUrl string = 'https://api.sendgrid.com'

@description('Verification key of SendGrid\'s Signed Event Webhook (base64 public key). Empty until the webhook is set up.')
param sendGridWebhookPublicKey string = ''

@description('When true, SendGrid accepts and validates messages but delivers none (for a trial run).')
param sendGridSandboxMode bool = false

@description('Sender address of every email. Must be a verified sender (or domain) in SendGrid.')
param emailFromAddress string

@description('Sender display name of every email.')
param emailFromName string = 'ComplianceBot'

param tags object = {
  application: 'compliancebot'
}

// A stable suffix per resource group keeps globally unique names unique and redeployments idempotent.
var token = toLower(uniqueString(subscription().id, resourceGroup().id, appName))
var sendGridApiKeySecretName = 'SendGridApiKey'
// At most 32 characters: longer names are truncated into the Functions host id and could collide.
var functionAppName = take('func-${appName}-${token}', 32)

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    name: take('st${appName}${token}', 24)
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${appName}-${token}'
    applicationInsightsName: 'appi-${appName}-${token}'
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: take('kv-${appName}-${token}', 24)
    location: location
    tags: tags
    sendGridApiKeySecretName: sendGridApiKeySecretName
    sendGridApiKey: sendGridApiKey
  }
}

module functionApp 'app/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: functionAppName
    planName: 'plan-${appName}-${token}'
    location: location
    tags: tags
    planSku: planSku
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    clinicRunQueueName: storage.outputs.clinicRunQueueName
    evidenceContainerName: storage.outputs.evidenceContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    sendGridApiKeySecretName: sendGridApiKeySecretName
    sendGridBaseUrl: sendGridBaseUrl
    sendGridWebhookPublicKey: sendGridWebhookPublicKey
    sendGridSandboxMode: sendGridSandboxMode
    emailFromAddress: emailFromAddress
    emailFromName: emailFromName
  }
}

module roles 'app/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: functionApp.outputs.principalId
    storageAccountName: storage.outputs.name
    evidenceContainerName: storage.outputs.evidenceContainerName
    clinicRunQueueName: storage.outputs.clinicRunQueueName
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module auth 'app/auth.bicep' = {
  name: 'auth'
  params: {
    functionAppName: functionApp.outputs.name
    entraClientId: entraClientId
    entraTenantId: entraTenantId
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output sendGridWebhookUrl string = 'https://${functionApp.outputs.defaultHostName}/api/sendgrid/events'
output keyVaultName string = keyVault.outputs.name
output storageAccountName string = storage.outputs.name
output functionAppPrincipalId string = functionApp.outputs.principalId
