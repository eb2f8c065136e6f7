// Role assignments for the Function App's system-assigned identity: exactly the data-plane access the
// Functions host and our code need, each scoped to the one resource it is for.

@description('Principal (object) id of the Function App system-assigned identity.')
param principalId string

param storageAccountName string

@description('Blob container of the certificate files; the app gets Blob Data Contributor on it alone.')
param evidenceContainerName string

@description('Queue of the clinic runs; the app gets Queue Data Contributor on it and its -poison queue alone.')
param clinicRunQueueName string
param keyVaultName string
param applicationInsightsName string

// Built-in role definition ids (the same in every tenant).
var roles = {
  // Host: timer schedule status and singleton locks in blobs; Flex reads the deployed package.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Queues, one role for three users of the same two queues (the narrower pairs would not cover them all):
  //   - the RunClinic queue trigger (connection AzureWebJobsStorage): receive, update visibility, delete,
  //     and add to <queue>-poison (Reader + Message Processor cannot add; Message Sender cannot receive);
  //   - the app's own code: the timers add messages (Message Sender), the digest and the CLI peek at the
  //     poison queue (Reader), and `compliancebot runs --requeue` moves set-aside runs back (all of these).
  // Storage Queue Data Contributor holds exactly these data actions plus queue create/delete. It is assigned
  // on the two queues, not the account: the host uses no other queue (no blob triggers, no Durable), and a
  // leaked token reaches only these two. infra creates both queues (storage.bicep), so the app's
  // create-if-missing finds them there.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // App: writes and reads certificate files in the evidence container (scoped to that container alone).
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // App: reads and writes its tables through our Table Storage client.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Platform: resolves the @Microsoft.KeyVault(...) reference in SendGrid__ApiKey.
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Telemetry: allows Entra ID authenticated ingestion, so local auth on Application Insights can be
  // switched off later without a new role assignment.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, principalId, roles.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

var clinicRunQueueNames = [clinicRunQueueName, '${clinicRunQueueName}-poison']

resource clinicRunQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = [for name in clinicRunQueueNames: {
  parent: queueService
  name: name
}]

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (name, i) in clinicRunQueueNames: {
  scope: clinicRunQueues[i]
  name: guid(clinicRunQueues[i].id, principalId, roles.storageQueueDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, principalId, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, principalId, roles.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: appInsights
  name: guid(appInsights.id, principalId, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource evidenceContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  name: '${storageAccountName}/default/${evidenceContainerName}'
}

// The app's own need, at the narrowest scope: the evidence container. (The host's Blob Data Owner above is
// account-wide and covers it today; this assignment keeps the app working if the host moves to its own account.)
resource evidenceContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: evidenceContainer
  name: guid(evidenceContainer.id, principalId, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
