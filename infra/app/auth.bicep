// App Service Authentication ("Easy Auth") with Microsoft Entra ID in front of every route.
// Unauthenticated requests get 401 (no login redirect: callers are API clients and signed-in browsers).
// The SendGrid event webhook is the one exception: SendGrid cannot sign in, so that route is excluded here
// and the code verifies SendGrid's ECDSA signature instead (SendGrid__WebhookPublicKey).
// The app reads the caller from X-MS-CLIENT-PRINCIPAL, which the platform sets (and strips from
// outside requests) only while this is enabled; Auth__RequirePlatformAuth makes the app insist on it.

param functionAppName string

@description('Application (client) id of the Entra app registration that defines the HR and Manager app roles.')
param entraClientId string

@description('Directory (tenant) id of that app registration.')
param entraTenantId string

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      // Anonymous at the platform; authenticated in code: the webhook by SendGrid's signature, the staff
      // renewal page and API by the signed personal link (staff have no sign-in). The page's files and the
      // style sheet it shares with the HR page hold no data. Exact paths: nothing else is opened.
      excludedPaths: [
        '/api/sendgrid/events'
        '/api/renew/'
        '/api/renew/index.html'
        '/api/renew/renew.js'
        '/api/app/app.css'
        '/api/renewal'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          // v2.0 issuer of the practice's own tenant: only accounts of that tenant can sign in.
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          // v2 access tokens carry the client id as audience, v1 tokens the application id URI.
          allowedAudiences: [
            entraClientId
            'api://${entraClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        // The app never calls other APIs on the user's behalf, so there is nothing to store.
        enabled: false
      }
    }
  }
}
