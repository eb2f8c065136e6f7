// Application Insights backed by a Log Analytics workspace (workspace-based; classic resources are retired).
// The Functions host sends invocation logs here, and the worker its own logs and traces (Application Insights worker package).

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object = {}

@description('Days to keep logs. 30 is included in the Log Analytics price; longer retention is billed.')
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
  }
}

output applicationInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
