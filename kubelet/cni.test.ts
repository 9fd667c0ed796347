import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrGateway, renderCniConfig } from './cni.ts';

test('cidrGateway picks the first host address', () => {
  const cases: [string, string][] = [
    ['10.244.1.0/24', '10.244.1.1'],
    ['10.244.1.77/24', '10.244.1.1'],
    ['10.88.0.0/16', '10.88.0.1'],
    ['192.168.4.128/25', '192.168.4.129'],
  ];
  for (const [cidr, gw] of cases) assert.equal(cidrGateway(cidr), gw, cidr);
  assert.throws(() => cidrGateway('10.0.0.0'), /invalid IPv4 CIDR/);
  assert.throws(() => cidrGateway('300.0.0.0/24'), /invalid IPv4 CIDR/);
});

test('renderCniConfig golden text', () => {
  const golden = `{
  "cniVersion": "1.0.0",
  "name": "skiff",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [
          [
            {
              "subnet": "10.244.3.0/24",
              "gateway": "10.244.3.1"
            }
          ]
        ],
        "routes": [
          {
            "dst": "0.0.0.0/0"
          }
        ]
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      },
      "snat": true
    }
  ]
}
`;
  assert.equal(renderCniConfig('10.244.3.0/24'), golden);
});
