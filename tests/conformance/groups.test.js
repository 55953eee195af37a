// Instance templates and health checks through both of Google's Node.js
// clients with their default serialisation: @google-cloud/compute (gax,
// REST; it sends every map field, empty or not) and googleapis (discovery).
// conformance_test.sh starts the server; kit-v1 (family kit) exists.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const compute = require('@google-cloud/compute');
const {google} = require('googleapis');
const {OAuth2Client} = require('google-auth-library');

const port = Number(process.env.IMAGO_ENDPOINT_PORT);
const project = process.env.IMAGO_PROJECT || 'local';
const auth = new OAuth2Client();
auth.setCredentials({access_token: process.env.IMAGO_TOKEN});
const gax = (Client) => new Client({apiEndpoint: '127.0.0.1', port, protocol: 'http', authClient: auth});
const api = google.compute({version: 'v1', rootUrl: `http://127.0.0.1:${port}/`, auth});
const templates = gax(compute.InstanceTemplatesClient);
const checks = gax(compute.HealthChecksClient);
const groups = gax(compute.InstanceGroupManagersClient);
const zone = 'local-a';

function doneOp(op) {
  const o = op.latestResponse || op;
  assert.equal(o.status, 'DONE', JSON.stringify(o));
  assert.ok(!o.error, JSON.stringify(o.error));
  return o;
}
const gaxOp = async (promise) => doneOp((await promise)[0]);
const apiOp = async (promise) => doneOp((await promise).data);

// A template as Terraform's and gcloud's users write one: a family, not an image.
function blueprint(name) {
  return {
    name, description: 'web tier',
    properties: {
      machineType: 'e2-micro',
      disks: [{boot: true, autoDelete: true, initializeParams: {sourceImage: 'global/images/family/kit', diskSizeGb: '1'}}],
      networkInterfaces: [{network: 'global/networks/default', accessConfigs: [{name: 'External NAT', type: 'ONE_TO_ONE_NAT'}]}],
      metadata: {items: [{key: 'startup-script', value: 'echo hello'}]},
      labels: {tier: 'web'},
      scheduling: {automaticRestart: true, onHostMaintenance: 'MIGRATE'},
      serviceAccounts: [{email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform']}],
      tags: {items: ['http-server']},
    },
  };
}

for (const via of ['gax', 'googleapis']) {
  test(`instanceTemplates: insert, get, list, delete through ${via}`, async () => {
    const name = `tmpl-${via === 'gax' ? 'g' : 'd'}`;
    if (via === 'gax') await gaxOp(templates.insert({project, instanceTemplateResource: blueprint(name)}));
    else await apiOp(api.instanceTemplates.insert({project, requestBody: blueprint(name)}));
    const got = via === 'gax' ? (await templates.get({project, instanceTemplate: name}))[0]
                              : (await api.instanceTemplates.get({project, instanceTemplate: name})).data;
    assert.equal(got.kind, 'compute#instanceTemplate');
    assert.equal(got.properties.machineType, 'e2-micro');
    assert.equal(got.properties.disks[0].initializeParams.sourceImage, 'global/images/family/kit');
    assert.equal(got.properties.scheduling.onHostMaintenance, 'MIGRATE');  // Kept as sent.
    assert.deepEqual(got.properties.tags.items, ['http-server']);
    assert.equal(got.properties.labels.tier, 'web');
    assert.match(got.selfLink, new RegExp(`/projects/${project}/global/instanceTemplates/${name}$`));
    const listed = via === 'gax' ? (await templates.list({project, filter: `name = ${name}`}))[0]
                                 : (await api.instanceTemplates.list({project, filter: `name = ${name}`})).data.items;
    assert.deepEqual(listed.map((t) => t.name), [name]);
    // Taken name: 409 alreadyExists, as GCE.
    await assert.rejects(templates.insert({project, instanceTemplateResource: blueprint(name)}), /already exists/);
    // Immutable: there is no update or patch; a template naming a URL as its
    // machine type is refused by field, and nothing is stored.
    const bad = blueprint(`${name}-bad`);
    bad.properties.machineType = 'zones/local-a/machineTypes/e2-micro';
    await assert.rejects(templates.insert({project, instanceTemplateResource: bad}), /properties\.machineType/);
    await assert.rejects(templates.get({project, instanceTemplate: `${name}-bad`}), /was not found/);
    if (via === 'gax') await gaxOp(templates.delete({project, instanceTemplate: name}));
    else await apiOp(api.instanceTemplates.delete({project, instanceTemplate: name}));
    await assert.rejects(templates.get({project, instanceTemplate: name}), /was not found/);
  });

  test(`healthChecks: every method through ${via}`, async () => {
    const name = `hc-${via === 'gax' ? 'g' : 'd'}`;
    const body = {name, type: 'HTTP', httpHealthCheck: {port: 8080, requestPath: '/healthz'}};
    const get = async () => via === 'gax' ? (await checks.get({project, healthCheck: name}))[0]
                                          : (await api.healthChecks.get({project, healthCheck: name})).data;
    if (via === 'gax') await gaxOp(checks.insert({project, healthCheckResource: body}));
    else await apiOp(api.healthChecks.insert({project, requestBody: body}));
    let hc = await get();
    // GCE's defaults for what was not sent.
    assert.equal(hc.checkIntervalSec, 5);
    assert.equal(hc.timeoutSec, 5);
    assert.equal(hc.healthyThreshold, 2);
    assert.equal(hc.unhealthyThreshold, 2);
    assert.equal(hc.httpHealthCheck.port, 8080);
    const patch = {checkIntervalSec: 10, httpHealthCheck: {requestPath: '/ready'}};
    if (via === 'gax') await gaxOp(checks.patch({project, healthCheck: name, healthCheckResource: patch}));
    else await apiOp(api.healthChecks.patch({project, healthCheck: name, requestBody: patch}));
    hc = await get();
    assert.equal(hc.checkIntervalSec, 10);
    assert.equal(hc.httpHealthCheck.requestPath, '/ready');
    assert.equal(hc.httpHealthCheck.port, 8080);  // Merged, not replaced.
    const put = {name, type: 'TCP', tcpHealthCheck: {port: 5432}};
    if (via === 'gax') await gaxOp(checks.update({project, healthCheck: name, healthCheckResource: put}));
    else await apiOp(api.healthChecks.update({project, healthCheck: name, requestBody: put}));
    hc = await get();
    assert.equal(hc.type, 'TCP');
    assert.equal(hc.tcpHealthCheck.port, 5432);
    assert.equal(hc.checkIntervalSec, 5);  // Replaced: back to its default.
    assert.ok(!hc.httpHealthCheck);
    const listed = via === 'gax' ? (await checks.list({project}))[0]
                                 : (await api.healthChecks.list({project})).data.items;
    assert.ok(listed.some((x) => x.name === name));
    await assert.rejects(checks.insert({project, healthCheckResource: {name: `${name}-bad`, type: 'HTTP', timeoutSec: 9}}),
                         /timeoutSec/);
    if (via === 'gax') await gaxOp(checks.delete({project, healthCheck: name}));
    else await apiOp(api.healthChecks.delete({project, healthCheck: name}));
    await assert.rejects(get(), /was not found/);
  });
}

// Managed instance groups: imago serve runs the group controller, so a
// group really gets its instance, through either client.
async function until(what, fn, seconds = 120) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out: ${what}`);
}

for (const via of ['gax', 'googleapis']) {
  test(`instanceGroupManagers: every method through ${via}`, async () => {
    const t = `mig-tmpl-${via === 'gax' ? 'g' : 'd'}`;
    const name = `mig-${via === 'gax' ? 'g' : 'd'}`;
    await gaxOp(templates.insert({project, instanceTemplateResource: blueprint(t)}));
    const body = {name, baseInstanceName: name, instanceTemplate: `global/instanceTemplates/${t}`, targetSize: 1,
                  updatePolicy: {type: 'PROACTIVE', maxSurge: {fixed: 1}, maxUnavailable: {fixed: 0}}};
    if (via === 'gax') await gaxOp(groups.insert({project, zone, instanceGroupManagerResource: body}));
    else await apiOp(api.instanceGroupManagers.insert({project, zone, requestBody: body}));
    const get = async () => via === 'gax' ? (await groups.get({project, zone, instanceGroupManager: name}))[0]
                                          : (await api.instanceGroupManagers.get({project, zone, instanceGroupManager: name})).data;
    const members = async () => via === 'gax'
      ? (await groups.listManagedInstances({project, zone, instanceGroupManager: name}))[0]
      : (await api.instanceGroupManagers.listManagedInstances({project, zone, instanceGroupManager: name})).data.managedInstances || [];
    let g = await get();
    assert.equal(g.kind, 'compute#instanceGroupManager');
    assert.equal(g.targetSize, 1);
    assert.equal(g.updatePolicy.maxUnavailable.fixed, 0);
    assert.match(g.versions[0].instanceTemplate, new RegExp(`/global/instanceTemplates/${t}$`));
    // The operation is DONE when recorded; the group says when it is reached.
    await until('one RUNNING instance', async () => {
      const m = await members();
      return m.length === 1 && m[0].instanceStatus === 'RUNNING' && m[0].currentAction === 'NONE';
    });
    await until('stable', async () => (await get()).status.isStable === true);
    // The template is in use: GCE's reason, both clients.
    await assert.rejects(templates.delete({project, instanceTemplate: t}), /already being used by/);
    const listed = via === 'gax' ? (await groups.list({project, zone}))[0]
                                 : (await api.instanceGroupManagers.list({project, zone})).data.items;
    assert.ok(listed.some((x) => x.name === name));
    g = await get();
    const patch = {fingerprint: g.fingerprint, description: 'patched'};
    if (via === 'gax') await gaxOp(groups.patch({project, zone, instanceGroupManager: name, instanceGroupManagerResource: patch}));
    else await apiOp(api.instanceGroupManagers.patch({project, zone, instanceGroupManager: name, requestBody: patch}));
    assert.equal((await get()).description, 'patched');
    await assert.rejects(groups.patch({project, zone, instanceGroupManager: name,
                                       instanceGroupManagerResource: {fingerprint: g.fingerprint, description: 'stale'}}),
                         /fingerprint/);
    const errors = via === 'gax' ? (await groups.listErrors({project, zone, instanceGroupManager: name}))[0]
                                 : (await api.instanceGroupManagers.listErrors({project, zone, instanceGroupManager: name})).data.items || [];
    assert.deepEqual(errors, []);
    const first = (await members())[0].instance;
    const recreate = {instances: [first]};
    if (via === 'gax') await gaxOp(groups.recreateInstances({project, zone, instanceGroupManager: name, instanceGroupManagersRecreateInstancesRequestResource: recreate}));
    else await apiOp(api.instanceGroupManagers.recreateInstances({project, zone, instanceGroupManager: name, requestBody: recreate}));
    await until('recreated and stable', async () => (await get()).status.isStable === true);
    const apply = {allInstances: true, minimalAction: 'REPLACE', mostDisruptiveAllowedAction: 'REPLACE'};
    if (via === 'gax') await gaxOp(groups.applyUpdatesToInstances({project, zone, instanceGroupManager: name, instanceGroupManagersApplyUpdatesRequestResource: apply}));
    else await apiOp(api.instanceGroupManagers.applyUpdatesToInstances({project, zone, instanceGroupManager: name, requestBody: apply}));
    await until('replaced and stable', async () => (await get()).status.isStable === true);
    if (via === 'gax') await gaxOp(groups.resize({project, zone, instanceGroupManager: name, size: 0}));
    else await apiOp(api.instanceGroupManagers.resize({project, zone, instanceGroupManager: name, size: 0}));
    await until('no instance', async () => (await members()).length === 0);
    const set = {instanceTemplate: `global/instanceTemplates/${t}`};
    if (via === 'gax') await gaxOp(groups.setInstanceTemplate({project, zone, instanceGroupManager: name, instanceGroupManagersSetInstanceTemplateRequestResource: set}));
    else await apiOp(api.instanceGroupManagers.setInstanceTemplate({project, zone, instanceGroupManager: name, requestBody: set}));
    if (via === 'gax') await gaxOp(groups.delete({project, zone, instanceGroupManager: name}));
    else await apiOp(api.instanceGroupManagers.delete({project, zone, instanceGroupManager: name}));
    await assert.rejects(get(), /was not found/);
    await gaxOp(templates.delete({project, instanceTemplate: t}));
  });
}
