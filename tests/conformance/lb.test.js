// The load balancer through both of Google's Node.js clients with their
// default serialisation: instance groups' named ports, backend services,
// URL maps, target HTTP proxies and global forwarding rules; and real
// traffic: imago serve runs the controller, whose HAProxy serves the
// forwarding rule's port from the group's healthy VM.
// conformance_test.sh starts the server; kit-v1 (family kit) exists;
// IMAGO_LB_PORT is a free port for the forwarding rule.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const compute = require('@google-cloud/compute');
const {google} = require('googleapis');
const {OAuth2Client} = require('google-auth-library');

const port = Number(process.env.IMAGO_ENDPOINT_PORT);
const lbPort = Number(process.env.IMAGO_LB_PORT);
const project = process.env.IMAGO_PROJECT || 'local';
const auth = new OAuth2Client();
auth.setCredentials({access_token: process.env.IMAGO_TOKEN});
const gax = (Client) => new Client({apiEndpoint: '127.0.0.1', port, protocol: 'http', authClient: auth});
const api = google.compute({version: 'v1', rootUrl: `http://127.0.0.1:${port}/`, auth});
const templates = gax(compute.InstanceTemplatesClient);
const checks = gax(compute.HealthChecksClient);
const groups = gax(compute.InstanceGroupManagersClient);
const instanceGroups = gax(compute.InstanceGroupsClient);
const services = gax(compute.BackendServicesClient);
const maps = gax(compute.UrlMapsClient);
const proxies = gax(compute.TargetHttpProxiesClient);
const rules = gax(compute.GlobalForwardingRulesClient);
const zone = 'local-a';

function doneOp(op) {
  const o = op.latestResponse || op;
  assert.equal(o.status, 'DONE', JSON.stringify(o));
  assert.ok(!o.error, JSON.stringify(o.error));
  return o;
}
const gaxOp = async (promise) => doneOp((await promise)[0]);
const apiOp = async (promise) => doneOp((await promise).data);

async function until(what, fn, seconds = 120) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out: ${what}`);
}

function httpGet(path) {
  return new Promise((resolve) => {
    const req = http.get({host: '127.0.0.1', port: lbPort, path, timeout: 3000}, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({status: res.statusCode, body}));
    });
    req.on('error', () => resolve({status: 0, body: ''}));
    req.on('timeout', () => req.destroy());
  });
}

// A template and a group of `size` serving port 80, its named port set.
async function group(name, size) {
  await gaxOp(templates.insert({project, instanceTemplateResource: {
    name: `${name}-t`,
    properties: {
      machineType: 'e2-micro',
      disks: [{boot: true, autoDelete: true, initializeParams: {sourceImage: 'global/images/family/kit'}}],
      metadata: {items: [{key: 'imago-ports', value: '80'}]},
    },
  }}));
  await gaxOp(groups.insert({project, zone, instanceGroupManagerResource: {
    name, baseInstanceName: name, instanceTemplate: `global/instanceTemplates/${name}-t`, targetSize: size}}));
  const ig = (await instanceGroups.get({project, zone, instanceGroup: name}))[0];
  assert.equal(ig.kind, 'compute#instanceGroup');
  await gaxOp(instanceGroups.setNamedPorts({project, zone, instanceGroup: name,
    instanceGroupsSetNamedPortsRequestResource: {namedPorts: [{name: 'http', port: 80}], fingerprint: ig.fingerprint}}));
}

for (const via of ['gax', 'googleapis']) {
  test(`load balancer resources: every method through ${via}`, async () => {
    const s = via === 'gax' ? 'g' : 'd';
    const hc = `lb-hc-${s}`, g = `lb-${s}`, bs = `lb-bs-${s}`, map = `lb-map-${s}`, px = `lb-px-${s}`, fr = `lb-fr-${s}`;
    await gaxOp(checks.insert({project, healthCheckResource: {name: hc, type: 'HTTP', httpHealthCheck: {requestPath: '/health'}}}));
    await group(g, 0);
    const ig = via === 'gax' ? (await instanceGroups.get({project, zone, instanceGroup: g}))[0]
                             : (await api.instanceGroups.get({project, zone, instanceGroup: g})).data;
    assert.deepEqual(ig.namedPorts.map(({name, port}) => ({name, port})), [{name: 'http', port: 80}]);
    const body = {name: bs, healthChecks: [`global/healthChecks/${hc}`], portName: 'http',
                  backends: [{group: `zones/${zone}/instanceGroups/${g}`}], connectionDraining: {drainingTimeoutSec: 10}};
    if (via === 'gax') await gaxOp(services.insert({project, backendServiceResource: body}));
    else await apiOp(api.backendServices.insert({project, requestBody: body}));
    const getService = async () => via === 'gax' ? (await services.get({project, backendService: bs}))[0]
                                                 : (await api.backendServices.get({project, backendService: bs})).data;
    let got = await getService();
    assert.equal(got.kind, 'compute#backendService');
    assert.equal(got.protocol, 'HTTP');
    assert.equal(got.timeoutSec, 30);
    assert.equal(got.connectionDraining.drainingTimeoutSec, 10);
    assert.equal(got.backends[0].balancingMode, 'UTILIZATION');
    assert.equal(got.backends[0].capacityScaler, 1);
    assert.match(got.backends[0].group, new RegExp(`/projects/${project}/zones/${zone}/instanceGroups/${g}$`));
    const patch = {backends: [{group: got.backends[0].group, capacityScaler: 0.5}], fingerprint: got.fingerprint};
    if (via === 'gax') await gaxOp(services.patch({project, backendService: bs, backendServiceResource: patch}));
    else await apiOp(api.backendServices.patch({project, backendService: bs, requestBody: patch}));
    got = await getService();
    assert.equal(got.backends[0].capacityScaler, 0.5);
    await assert.rejects(services.patch({project, backendService: bs, backendServiceResource: patch}), /fingerprint/);
    const health = via === 'gax'
      ? (await services.getHealth({project, backendService: bs, resourceGroupReferenceResource: {group: got.backends[0].group}}))[0]
      : (await api.backendServices.getHealth({project, backendService: bs, requestBody: {group: got.backends[0].group}})).data;
    assert.equal(health.kind, 'compute#backendServiceGroupHealth');
    assert.deepEqual(health.healthStatus || [], []);  // No instance yet.
    await assert.rejects(services.insert({project, backendServiceResource: {...body, name: `${bs}-bad`, protocol: 'UDP'}}),
                         /backendService\.protocol/);

    const mapBody = {name: map, defaultService: `global/backendServices/${bs}`};
    if (via === 'gax') await gaxOp(maps.insert({project, urlMapResource: mapBody}));
    else await apiOp(api.urlMaps.insert({project, requestBody: mapBody}));
    const pxBody = {name: px, urlMap: `global/urlMaps/${map}`};
    if (via === 'gax') await gaxOp(proxies.insert({project, targetHttpProxyResource: pxBody}));
    else await apiOp(api.targetHttpProxies.insert({project, requestBody: pxBody}));
    const urlMapRef = {urlMap: `global/urlMaps/${map}`};
    if (via === 'gax') await gaxOp(proxies.setUrlMap({project, targetHttpProxy: px, urlMapReferenceResource: urlMapRef}));
    else await apiOp(api.targetHttpProxies.setUrlMap({project, targetHttpProxy: px, requestBody: urlMapRef}));
    // No port is served by this rule's test: a port of the host that is busy (the API's own).
    const frBody = {name: fr, target: `global/targetHttpProxies/${px}`, portRange: String(port), IPProtocol: 'TCP'};
    await assert.rejects(rules.insert({project, forwardingRuleResource: frBody}), /in use on this host/);
    frBody.portRange = String(lbPort + (via === 'gax' ? 1 : 2));
    if (via === 'gax') await gaxOp(rules.insert({project, forwardingRuleResource: frBody}));
    else await apiOp(api.globalForwardingRules.insert({project, requestBody: frBody}));
    const rule = via === 'gax' ? (await rules.get({project, forwardingRule: fr}))[0]
                               : (await api.globalForwardingRules.get({project, forwardingRule: fr})).data;
    assert.equal(rule.IPAddress, '127.0.0.1');
    assert.equal(rule.portRange, `${frBody.portRange}-${frBody.portRange}`);
    const target = {target: `global/targetHttpProxies/${px}`};
    if (via === 'gax') await gaxOp(rules.setTarget({project, forwardingRule: fr, targetReferenceResource: target}));
    else await apiOp(api.globalForwardingRules.setTarget({project, forwardingRule: fr, requestBody: target}));
    const listed = via === 'gax' ? (await rules.list({project, filter: `name = ${fr}`}))[0]
                                 : (await api.globalForwardingRules.list({project, filter: `name = ${fr}`})).data.items;
    assert.deepEqual(listed.map((r) => r.name), [fr]);
    assert.ok((await maps.list({project}))[0].some((m) => m.name === map));
    assert.ok((await proxies.list({project}))[0].some((p) => p.name === px));
    assert.ok((await services.list({project}))[0].some((b) => b.name === bs));

    // In use: GCE's reason, from the front.
    await assert.rejects(services.delete({project, backendService: bs}), /already being used by/);
    await assert.rejects(maps.delete({project, urlMap: map}), /already being used by/);
    await assert.rejects(proxies.delete({project, targetHttpProxy: px}), /already being used by/);
    await assert.rejects(groups.delete({project, zone, instanceGroupManager: g}), /already being used by/);
    await assert.rejects(checks.delete({project, healthCheck: hc}), /already being used by/);
    if (via === 'gax') {
      await gaxOp(rules.delete({project, forwardingRule: fr}));
      await gaxOp(proxies.delete({project, targetHttpProxy: px}));
      await gaxOp(maps.delete({project, urlMap: map}));
      await gaxOp(services.delete({project, backendService: bs}));
    } else {
      await apiOp(api.globalForwardingRules.delete({project, forwardingRule: fr}));
      await apiOp(api.targetHttpProxies.delete({project, targetHttpProxy: px}));
      await apiOp(api.urlMaps.delete({project, urlMap: map}));
      await apiOp(api.backendServices.delete({project, backendService: bs}));
    }
    await assert.rejects(getService(), /was not found/);
    await gaxOp(groups.delete({project, zone, instanceGroupManager: g}));
    await gaxOp(templates.delete({project, instanceTemplate: `${g}-t`}));
    await gaxOp(checks.delete({project, healthCheck: hc}));
  });
}

// Deletes what a test made, front first, whatever it got to: a failed test
// must not leave a group (and its VM and disk) to the tests after it.
async function cleanUp(steps) {
  for (const step of steps) {
    try { await step(); } catch (e) { if (!/was not found/.test(String(e))) console.error(`cleanup: ${e}`); }
  }
}

test('load balancer traffic: the rule serves the group through HAProxy', async () => {
  const hc = 'web-lb-hc', g = 'web-lb', bs = 'web-lb-bs';
  try {
    await traffic(hc, g, bs);
  } finally {
    await cleanUp([
      () => rules.delete({project, forwardingRule: 'web-lb-fr'}),
      () => proxies.delete({project, targetHttpProxy: 'web-lb-px'}),
      () => maps.delete({project, urlMap: 'web-lb-map'}),
      () => services.delete({project, backendService: bs}),
      () => groups.delete({project, zone, instanceGroupManager: g}),
      () => templates.delete({project, instanceTemplate: `${g}-t`}),
      () => checks.delete({project, healthCheck: hc}),
    ]);
  }
});

async function traffic(hc, g, bs) {
  await gaxOp(checks.insert({project, healthCheckResource: {
    name: hc, type: 'HTTP', checkIntervalSec: 1, timeoutSec: 1, httpHealthCheck: {requestPath: '/health'}}}));
  await group(g, 1);
  await gaxOp(services.insert({project, backendServiceResource: {
    name: bs, healthChecks: [`global/healthChecks/${hc}`], backends: [{group: `zones/${zone}/instanceGroups/${g}`}]}}));
  await gaxOp(maps.insert({project, urlMapResource: {name: 'web-lb-map', defaultService: `global/backendServices/${bs}`}}));
  await gaxOp(proxies.insert({project, targetHttpProxyResource: {name: 'web-lb-px', urlMap: 'global/urlMaps/web-lb-map'}}));
  await gaxOp(rules.insert({project, forwardingRuleResource: {
    name: 'web-lb-fr', target: 'global/targetHttpProxies/web-lb-px', portRange: String(lbPort)}}));
  const ref = {group: `zones/${zone}/instanceGroups/${g}`};
  await until('the instance HEALTHY behind the load balancer', async () => {
    const h = (await services.getHealth({project, backendService: bs, resourceGroupReferenceResource: ref}))[0];
    return (h.healthStatus || []).length === 1 && h.healthStatus[0].healthState === 'HEALTHY';
  }, 180);
  const h = (await services.getHealth({project, backendService: bs, resourceGroupReferenceResource: ref}))[0];
  assert.equal(h.healthStatus[0].port, 80);
  assert.match(h.healthStatus[0].instance, new RegExp(`/zones/${zone}/instances/${g}-`));
  const answer = await httpGet('/health');
  assert.equal(answer.status, 200);
  assert.equal(answer.body.trim(), 'ok');
  // The rule goes: the port stops answering.
  await gaxOp(rules.delete({project, forwardingRule: 'web-lb-fr'}));
  await until('the port closed', async () => (await httpGet('/health')).status === 0, 30);
  await gaxOp(proxies.delete({project, targetHttpProxy: 'web-lb-px'}));
  await gaxOp(maps.delete({project, urlMap: 'web-lb-map'}));
  await gaxOp(services.delete({project, backendService: bs}));
  await gaxOp(groups.delete({project, zone, instanceGroupManager: g}));
  await gaxOp(templates.delete({project, instanceTemplate: `${g}-t`}));
  await gaxOp(checks.delete({project, healthCheck: hc}));
}

const autoscalers = gax(compute.AutoscalersClient);
for (const via of ['gax', 'googleapis']) {
  test(`autoscalers: every method through ${via}`, async () => {
    const g = `as-${via === 'gax' ? 'g' : 'd'}`;
    await group(g, 0);
    const body = {name: g, target: `zones/${zone}/instanceGroupManagers/${g}`,
                  autoscalingPolicy: {maxNumReplicas: 3, cpuUtilization: {utilizationTarget: 0.7}}};
    if (via === 'gax') await gaxOp(autoscalers.insert({project, zone, autoscalerResource: body}));
    else await apiOp(api.autoscalers.insert({project, zone, requestBody: body}));
    const get = async () => via === 'gax' ? (await autoscalers.get({project, zone, autoscaler: g}))[0]
                                          : (await api.autoscalers.get({project, zone, autoscaler: g})).data;
    let a = await get();
    assert.equal(a.kind, 'compute#autoscaler');
    assert.equal(a.autoscalingPolicy.minNumReplicas, 1);
    assert.equal(a.autoscalingPolicy.coolDownPeriodSec, 60);
    assert.equal(a.autoscalingPolicy.mode, 'ON');
    assert.match(a.target, new RegExp(`/zones/${zone}/instanceGroupManagers/${g}$`));
    const patch = {autoscalingPolicy: {maxNumReplicas: 4, mode: 'ONLY_SCALE_OUT'}};
    if (via === 'gax') await gaxOp(autoscalers.patch({project, zone, autoscaler: g, autoscalerResource: patch}));
    else await apiOp(api.autoscalers.patch({project, zone, autoscaler: g, requestBody: patch}));
    a = await get();
    assert.equal(a.autoscalingPolicy.maxNumReplicas, 4);
    assert.equal(a.autoscalingPolicy.mode, 'ONLY_SCALE_OUT');
    const listed = via === 'gax' ? (await autoscalers.list({project, zone}))[0]
                                 : (await api.autoscalers.list({project, zone})).data.items;
    assert.ok(listed.some((x) => x.name === g));
    const grp = (await groups.get({project, zone, instanceGroupManager: g}))[0];
    assert.match(grp.status.autoscaler, new RegExp(`/autoscalers/${g}$`));
    await assert.rejects(groups.delete({project, zone, instanceGroupManager: g}), /already being used by/);
    await assert.rejects(autoscalers.insert({project, zone, autoscalerResource: {...body, name: `${g}-2`}}),
                         /has an autoscaler already/);
    if (via === 'gax') await gaxOp(autoscalers.delete({project, zone, autoscaler: g}));
    else await apiOp(api.autoscalers.delete({project, zone, autoscaler: g}));
    await assert.rejects(get(), /was not found/);
    await gaxOp(groups.delete({project, zone, instanceGroupManager: g}));
    await gaxOp(templates.delete({project, instanceTemplate: `${g}-t`}));
  });
}
