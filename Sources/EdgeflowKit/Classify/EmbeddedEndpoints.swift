// The Skype (Microsoft Teams) service area of the Office 365 endpoints web service,
// worldwide instance, version 2025063000, in the service's own JSON form.

/// Endpoint sets as the web service returns them (Skype service area only).
let embeddedEndpointsJSON = """
[
 {
  "id": 11,
  "serviceArea": "Skype",
  "serviceAreaDisplayName": "Microsoft Teams",
  "ips": [
   "52.112.0.0/14",
   "52.122.0.0/15",
   "2603:1063::/38"
  ],
  "udpPorts": "3478,3479,3480,3481",
  "expressRoute": true,
  "category": "Optimize",
  "required": true
 },
 {
  "id": 12,
  "serviceArea": "Skype",
  "serviceAreaDisplayName": "Microsoft Teams",
  "urls": [
   "*.lync.com",
   "*.teams.cloud.microsoft",
   "*.teams.microsoft.com",
   "teams.cloud.microsoft",
   "teams.microsoft.com"
  ],
  "ips": [
   "52.112.0.0/14",
   "52.122.0.0/15",
   "2603:1027::/48",
   "2603:1037::/48",
   "2603:1047::/48",
   "2603:1057::/48",
   "2603:1063::/38",
   "2620:1ec:6::/48",
   "2620:1ec:40::/42"
  ],
  "tcpPorts": "80,443",
  "udpPorts": "443",
  "expressRoute": true,
  "category": "Allow",
  "required": true
 },
 {
  "id": 16,
  "serviceArea": "Skype",
  "serviceAreaDisplayName": "Microsoft Teams",
  "urls": [
   "*.keydelivery.mediaservices.windows.net",
   "*.streaming.mediaservices.windows.net"
  ],
  "tcpPorts": "443",
  "expressRoute": false,
  "category": "Default",
  "required": true
 },
 {
  "id": 17,
  "serviceArea": "Skype",
  "serviceAreaDisplayName": "Microsoft Teams",
  "urls": [
   "aka.ms"
  ],
  "tcpPorts": "443",
  "expressRoute": false,
  "category": "Default",
  "required": true
 },
 {
  "id": 19,
  "serviceArea": "Skype",
  "serviceAreaDisplayName": "Microsoft Teams",
  "urls": [
   "adl.windows.com"
  ],
  "tcpPorts": "80,443",
  "expressRoute": false,
  "category": "Default",
  "required": false,
  "notes": "For end user and customer owned device updates"
 },
 {
  "id": 27,
  "serviceArea": "Skype",
  "serviceAreaDisplayName": "Microsoft Teams",
  "urls": [
   "join.secure.skypeassets.com",
   "mlccdnprod.azureedge.net"
  ],
  "tcpPorts": "443",
  "expressRoute": false,
  "category": "Default",
  "required": true
 },
 {
  "id": 127,
  "serviceArea": "Skype",
  "serviceAreaDisplayName": "Microsoft Teams",
  "urls": [
   "*.skype.com"
  ],
  "tcpPorts": "80,443",
  "expressRoute": false,
  "category": "Default",
  "required": true
 },
 {
  "id": 180,
  "serviceArea": "Skype",
  "serviceAreaDisplayName": "Microsoft Teams",
  "urls": [
   "compass-ssl.microsoft.com"
  ],
  "tcpPorts": "443",
  "expressRoute": false,
  "category": "Default",
  "required": true
 }
]
"""
