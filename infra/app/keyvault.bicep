// Key Vault holding the SendGrid API key. Access is by Azure RBAC only (no access policies): the app's
// identity gets "Key Vault Secrets User" in roles.bicep, and the app setting SendGrid__ApiKey is a Key
// Vault reference, so the key never appears in app settings, templates or deployment history.

@description('Key Vault name: 3-24 letters, digits and hyphens, starting with a letter, globally unique.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object = {}

@description('Name of the secret that holds the SendGrid API key.')
param sendGridApiKeySecretName string

@secure()
@description('SendGrid API key (Mail Send permission only). Empty leaves the stored secret untouched, so a redeploy without it does not undo a rotation.')
param sendGridApiKey string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    // Soft delete is always on for new vaults (90 days). Purge protection is left off so that
    // `az group delete` followed by `az keyvault purge` really removes everything; turn it on if
    // your policy requires it.
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
  }
}

resource sendGridSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(sendGridApiKey)) {
  parent: vault
  name: sendGridApiKeySecretName
  properties: {
    value: sendGridApiKey
    contentType: 'SendGrid API key (Mail Send)'
  }
}

output name string = vault.name
output id string = vault.id
