// One storage account serves two purposes:
//   - host storage for the Functions runtime (AzureWebJobsStorage, identity-based: timer schedule
//     status and singleton locks live in blobs) and the Flex Consumption deployment container;
//   - the app's own tables (clinics, staff, credentials, reminder ledger, audit), reached by our REST
//     client with an Entra ID token from the app's managed identity;
//   - the clinic-run queue (one message per due clinic, put there by the timers, run by the RunClinic
//     queue trigger) and its -poison queue (runs that failed every attempt, reported by the weekly digest
//     and the CLI's `runs --failed`).
//   - the evidence container: certificate files staff and HR upload (never public, never deleted by the app).
// Shared-key access is off: nothing in the deployment or the code uses account keys.

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object = {}

@description('Blob container that the Flex Consumption plan deploys the app package into.')
param deploymentContainerName string

@description('Queue of the clinic runs; the Functions host moves runs that fail every attempt to <name>-poison.')
param clinicRunQueueName string = 'clinic-runs'
@description('Blob container of the certificate files staff and HR upload (Storage__EvidenceContainer).')
param evidenceContainerName string = 'evidence'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    // Locally redundant is enough for a small practice; the data can be re-imported from HR's files.
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Entra ID only: the host uses AzureWebJobsStorage__accountName, the app uses its managed identity.
    allowSharedKeyAccess: false
    // Makes the portal use Entra ID too, instead of trying (and failing) with keys.
    defaultToOAuthAuthentication: true
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// Flex Consumption reads the deployed zip from here (functionAppConfig.deployment.storage).
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// Created here so neither the app nor the host needs to create queues at run time, and so the poison queue
// exists (and is visible in the portal) before the first run fails.
resource clinicRunQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: clinicRunQueueName
}

resource clinicRunPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${clinicRunQueueName}-poison'
}

// Certificate files: private; the app reaches it with its managed identity (roles.bicep, scoped to this container).
resource evidenceContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: evidenceContainerName
  properties: {
    publicAccess: 'None'
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output deploymentContainerName string = deploymentContainer.name
output clinicRunQueueName string = clinicRunQueue.name
output evidenceContainerName string = evidenceContainer.name
