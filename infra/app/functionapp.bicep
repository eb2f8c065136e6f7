// The Function App: a Linux app running the .NET 10 isolated worker (runtime 'dotnet-isolated'), on the Flex
// Consumption plan by default, or on Elastic Premium EP1 when planSku = 'EP1'.
//
// App settings: the `appSettings` list below is the complete set the app is given, and a test compares
// the quoted setting names in this file with the configuration keys the code reads. Keep app settings
// the only place in this file where a `name` property is given as a quoted literal.

param name string
param planName string
param location string
param tags object = {}

@allowed([
  'FC1' // Flex Consumption: scales to zero, pay per use. Recommended.
  'EP1' // Elastic Premium: always one warm instance, fixed monthly cost.
])
@description('Hosting plan SKU.')
param planSku string = 'FC1'

@description('Flex Consumption instance size in MB (512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// Queue scaling (docs/reliability.md, "Fan-out"): Flex scales the RunClinic queue trigger on queue length, one
// instance per batchSize (4, host.json) waiting runs; each instance runs up to batchSize + newBatchThreshold = 6
// clinics at once. 40 instances x 6 = 240 clinic runs at once for a 1,000-clinic group, more than Table Storage's
// 20,000 entities/s per account can feed (about 50 clinic runs/s at ~400 entities each), so the cap costs nothing.
@description('Flex Consumption scale-out cap for the whole app (HTTP and the queue trigger), so a spike cannot run up the bill.')
param maximumInstanceCount int = 40

param storageAccountName string
param storageBlobEndpoint string

@description('Storage queue of the clinic runs (storage.bicep creates it and its -poison queue).')
param clinicRunQueueName string
param deploymentContainerName string

@description('Blob container of the certificate files (Storage__EvidenceContainer).')
param evidenceContainerName string
param appInsightsConnectionString string
param keyVaultName string
param sendGridApiKeySecretName string

param sendGridBaseUrl string
param sendGridWebhookPublicKey string
param sendGridSandboxMode bool
param emailFromAddress string
param emailFromName string

var isFlex = planSku == 'FC1'

// The .NET isolated worker on .NET 10. On Flex it goes in functionAppConfig.runtime (name 'dotnet-isolated',
// version '10.0', as Microsoft's azd quickstart functions-quickstart-dotnet-azd declares it); on Premium the
// FUNCTIONS_WORKER_RUNTIME app setting below and linuxFxVersion say the same.
var workerRuntime = 'dotnet-isolated'
var workerRuntimeVersion = '10.0'

// Plan SKU and plan properties per hosting option. Both are Linux (reserved: true): Flex Consumption is
// Linux only, and the publish is built for linux-x64 (ReadyToRun).
var flexPlanSku = {
  name: planSku
  tier: 'FlexConsumption'
}
var premiumPlanSku = {
  name: planSku
  tier: 'ElasticPremium'
}
var flexPlanProperties = {
  reserved: true
}
var premiumPlanProperties = {
  reserved: true
  // Keep scale-out small for a single practice.
  maximumElasticWorkerCount: 3
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? flexPlanSku : premiumPlanSku
  properties: isFlex ? flexPlanProperties : premiumPlanProperties
}

// Flex Consumption: where the package lives, how big instances are, and which runtime runs it.
var flexFunctionAppConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: '${storageBlobEndpoint}${deploymentContainerName}'
      authentication: {
        // The app's own identity reads the package; needs Storage Blob Data Owner (roles.bicep).
        type: 'SystemAssignedIdentity'
      }
    }
  }
  scaleAndConcurrency: {
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  runtime: {
    name: workerRuntime
    version: workerRuntimeVersion
  }
}

// Every app setting, in one list: host storage, the Premium-only platform settings, then the settings the
// app's code reads.
var appSettings = concat([
  // Functions host: storage for timer schedule status and locks, identity-based (system-assigned).
  { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
], isFlex ? [] : [
  // Premium only. On Flex both are implied (runtime from functionAppConfig.runtime, host always 4.x)
  // and the Flex docs list them as settings not to use.
  // Functions host: major version of the Functions runtime.
  { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
  // Functions host: the worker is the .NET isolated worker (functions.metadata, worker.config.json).
  { name: 'FUNCTIONS_WORKER_RUNTIME', value: workerRuntime }
], [
  // Functions host and the worker's telemetry: where to send logs and traces.
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
  // Storage adapter (Azure.Data.Tables): account holding the app's tables, reached with the managed identity.
  { name: 'Storage__AccountName', value: storageAccountName }
  // Evidence store (Azure.Storage.Blobs): container of the certificate files, same account, managed identity.
  { name: 'Storage__EvidenceContainer', value: evidenceContainerName }
  // SendGrid adapter (SendGridClient): API key, resolved from Key Vault by the platform.
  { name: 'SendGrid__ApiKey', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${sendGridApiKeySecretName})' }
  // SendGrid adapter: v3 API base URL.
  { name: 'SendGrid__BaseUrl', value: sendGridBaseUrl }
  // SendGrid event webhook endpoint: public key that verifies signed events.
  { name: 'SendGrid__WebhookPublicKey', value: sendGridWebhookPublicKey }
  // SendGrid adapter: when 'true', SendGrid validates messages but does not deliver them.
  { name: 'SendGrid__SandboxMode', value: string(sendGridSandboxMode) }
  // Email options: sender address (must be a verified sender in SendGrid).
  { name: 'Email__FromAddress', value: emailFromAddress }
  // Email options: sender display name.
  { name: 'Email__FromName', value: emailFromName }
  // Auth options: trust only App Service Authentication principals; fail closed without them.
  { name: 'Auth__RequirePlatformAuth', value: 'true' }
  // DailyReminders timer ([TimerTrigger("%DailyRemindersSchedule%")]): hourly at :05 UTC. The host refuses
  // to index the function without it.
  { name: 'DailyRemindersSchedule', value: '0 5 * * * *' }
  // WeeklyDigest timer ([TimerTrigger("%WeeklyDigestSchedule%")]): hourly at :10 UTC.
  { name: 'WeeklyDigestSchedule', value: '0 10 * * * *' }
  // RunClinic ([QueueTrigger("%ClinicRunQueue%")]) and the timers that fill it: one message per due clinic.
  // The queue is in the host storage account (the trigger's connection is AzureWebJobsStorage), created by storage.bicep.
  { name: 'ClinicRunQueue', value: clinicRunQueueName }
  // Import endpoint: largest accepted request body, in bytes (10 MiB).
  { name: 'Import__MaxBodyBytes', value: '10485760' }
])

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    functionAppConfig: isFlex ? flexFunctionAppConfig : null
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // Premium only; on Flex the runtime is functionAppConfig.runtime.
      linuxFxVersion: isFlex ? null : 'DOTNET-ISOLATED|${workerRuntimeVersion}'
      appSettings: appSettings
    }
  }
}

output name string = app.name
output id string = app.id
output principalId string = app.identity.principalId
output defaultHostName string = app.properties.defaultHostName
