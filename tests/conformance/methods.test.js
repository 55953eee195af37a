// Every method imago serve serves, called through both of Google's Node.js
// clients with each one's own default serialisation: @google-cloud/compute
// (gax, REST; it sends every map field, empty or not) and googleapis
// (discovery). conformance_test.sh starts the server; kit-v1 (family kit)
// and small-v1 exist.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const compute = require('@google-cloud/compute');
const {google} = require('googleapis');
const {OAuth2Client} = require('google-auth-library');

const port = Number(process.env.IMAGO_ENDPOINT_PORT);
const project = process.env.IMAGO_PROJECT || 'local';
const zone = 'local-a';
const auth = new OAuth2Client();
auth.setCredentials({access_token: process.env.IMAGO_TOKEN});
const gax = (Client) => new Client({apiEndpoint: '127.0.0.1', port, protocol: 'http', authClient: auth});
const api = google.compute({version: 'v1', rootUrl: `http://127.0.0.1:${port}/`, auth});
const c = {
  images: gax(compute.ImagesClient), disks: gax(compute.DisksClient),
  snapshots: gax(compute.SnapshotsClient), instances: gax(compute.InstancesClient),
  zones: gax(compute.ZonesClient), regions: gax(compute.RegionsClient),
  machineTypes: gax(compute.MachineTypesClient), projects: gax(compute.ProjectsClient),
  globalOps: gax(compute.GlobalOperationsClient), zoneOps: gax(compute.ZoneOperationsClient),
};

// An operation, either client's shape, must be DONE without error.
function doneOp(op) {
  const o = op.latestResponse || op;
  assert.equal(o.status, 'DONE', JSON.stringify(o));
  assert.ok(!o.error, JSON.stringify(o.error));
  return o;
}
async function gaxOp(promise) {
  const [op] = await promise;
  return doneOp(op);
}
async function apiOp(promise) {
  return doneOp((await promise).data);
}
async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}
async function serial(get, want) {
  let text = '';
  for (let i = 0; i < 240 && !text.includes(want); i++) {
    await new Promise((r) => setTimeout(r, 500));
    text = await get();
  }
  assert.match(text, new RegExp(want));
}

test('what clients call first: projects, regions, zones, machine types', async () => {
  const [p] = await c.projects.get({project});
  assert.equal(p.name, project);
  assert.ok(p.quotas.some((q) => q.metric === 'CPUS_ALL_REGIONS' && q.limit >= 1));
  assert.equal((await api.projects.get({project})).data.kind, 'compute#project');
  // The project's common metadata: set by either client, guarded by its fingerprint.
  await gaxOp(c.projects.setCommonInstanceMetadata({project, metadataResource: {
    fingerprint: p.commonInstanceMetadata.fingerprint, items: [{key: 'team', value: 'web'}]}}));
  const [p2] = await c.projects.get({project});
  assert.deepEqual(p2.commonInstanceMetadata.items.map((i) => [i.key, i.value]), [['team', 'web']]);
  await assert.rejects(c.projects.setCommonInstanceMetadata({project, metadataResource: {
    fingerprint: p.commonInstanceMetadata.fingerprint, items: []}}), /fingerprint/);
  await apiOp(api.projects.setCommonInstanceMetadata({project, requestBody: {
    fingerprint: p2.commonInstanceMetadata.fingerprint, items: []}}));
  assert.equal((await api.projects.get({project})).data.commonInstanceMetadata.items, undefined);

  const [regions] = await c.regions.list({project});
  assert.deepEqual(regions.map((r) => r.name), ['local']);
  const [region] = await c.regions.get({project, region: 'local'});
  assert.equal(region.zones.length, 3);
  assert.equal((await api.regions.list({project})).data.items[0].name, 'local');
  assert.equal((await api.regions.get({project, region: 'local'})).data.status, 'UP');

  const [zones] = await c.zones.list({project});
  assert.deepEqual(zones.map((z) => z.name), ['local-a', 'local-b', 'local-c']);
  assert.match((await c.zones.get({project, zone}))[0].region, /regions\/local$/);
  assert.equal((await api.zones.list({project})).data.items.length, 3);
  assert.equal((await api.zones.get({project, zone})).data.name, zone);

  const [types] = await c.machineTypes.list({project, zone});
  assert.ok(types.some((t) => t.name === 'e2-micro' && t.guestCpus === 1));
  assert.equal((await c.machineTypes.get({project, zone, machineType: 'e2-small'}))[0].memoryMb, 2048);
  const agg = await collect(c.machineTypes.aggregatedListAsync({project}));
  assert.deepEqual(agg.map(([scope]) => scope).sort(), ['zones/local-a', 'zones/local-b', 'zones/local-c']);
  assert.ok((await api.machineTypes.list({project, zone})).data.items.length > 0);
  assert.equal((await api.machineTypes.get({project, zone, machineType: 'e2-micro'})).data.memoryMb, 1024);
  assert.ok((await api.machineTypes.aggregatedList({project})).data.items['zones/local-b'].machineTypes);
});

test('images: every method through both clients', async () => {
  const body = (name) => ({name, sourceImage: `projects/${project}/global/images/small-v1`, family: 'meth'});
  await gaxOp(c.images.insert({project, imageResource: body('meth-g')}));
  await apiOp(api.images.insert({project, requestBody: body('meth-d')}));
  assert.equal((await c.images.get({project, image: 'meth-g'}))[0].family, 'meth');
  assert.equal((await api.images.get({project, image: 'meth-d'})).data.family, 'meth');
  // The family's newest non-deprecated image: meth-d, inserted second.
  assert.equal((await c.images.getFromFamily({project, family: 'meth'}))[0].name, 'meth-d');
  assert.equal((await api.images.getFromFamily({project, family: 'meth'})).data.name, 'meth-d');
  const [listed] = await c.images.list({project, filter: 'family = meth'});
  assert.deepEqual(listed.map((i) => i.name), ['meth-d', 'meth-g']);
  assert.equal((await api.images.list({project, filter: 'family = meth'})).data.items.length, 2);
  const [g] = await c.images.get({project, image: 'meth-g'});
  await gaxOp(c.images.setLabels({project, resource: 'meth-g', globalSetLabelsRequestResource: {labels: {k: 'g'}, labelFingerprint: g.labelFingerprint}}));
  const d = (await api.images.get({project, image: 'meth-d'})).data;
  await apiOp(api.images.setLabels({project, resource: 'meth-d', requestBody: {labels: {k: 'd'}, labelFingerprint: d.labelFingerprint}}));
  assert.deepEqual((await c.images.get({project, image: 'meth-d'}))[0].labels, {k: 'd'});
  await gaxOp(c.images.patch({project, image: 'meth-g', imageResource: {description: 'by gax'}}));
  await apiOp(api.images.patch({project, image: 'meth-d', requestBody: {description: 'by googleapis'}}));
  assert.equal((await api.images.get({project, image: 'meth-g'})).data.description, 'by gax');
  await gaxOp(c.images.deprecate({project, image: 'meth-g', deprecationStatusResource: {state: 'DEPRECATED'}}));
  await apiOp(api.images.deprecate({project, image: 'meth-d', requestBody: {state: 'OBSOLETE'}}));
  assert.equal((await c.images.get({project, image: 'meth-d'}))[0].deprecated.state, 'OBSOLETE');
  await gaxOp(c.images.delete({project, image: 'meth-g'}));
  await apiOp(api.images.delete({project, image: 'meth-d'}));
  await assert.rejects(c.images.get({project, image: 'meth-g'}));
});

test('disks and snapshots: every method through both clients', async () => {
  // What the gax client sends here: {"asyncSecondaryDisks":{},"labels":{},"name":...}.
  await gaxOp(c.disks.insert({project, zone, diskResource: {name: 'd1', sizeGb: '1'}}));
  await apiOp(api.disks.insert({project, zone, requestBody: {name: 'd2', sizeGb: '1', labels: {}}}));
  await gaxOp(c.disks.insert({project, zone, diskResource: {name: 'd3', sourceImage: `projects/${project}/global/images/family/kit`,
    architecture: 'X86_64', guestOsFeatures: [{type: 'GVNIC'}]}}));
  const [d3] = await c.disks.get({project, zone, disk: 'd3'});
  assert.equal(d3.architecture, 'X86_64');  // Kept and returned as sent.
  assert.equal(d3.guestOsFeatures[0].type, 'GVNIC');
  assert.equal((await api.disks.get({project, zone, disk: 'd1'})).data.sizeGb, '1');
  const [listed] = await c.disks.list({project, zone});
  assert.deepEqual(listed.map((x) => x.name), ['d1', 'd2', 'd3']);
  assert.equal((await api.disks.list({project, zone})).data.items.length, 3);
  const agg = new Map(await collect(c.disks.aggregatedListAsync({project})));
  assert.equal(agg.get('zones/local-a').disks.length, 3);
  const aggApi = (await api.disks.aggregatedList({project})).data.items;
  assert.equal(aggApi['zones/local-a'].disks.length, 3);
  assert.equal(aggApi['zones/local-b'].warning.code, 'NO_RESULTS_ON_PAGE');
  await gaxOp(c.disks.createSnapshot({project, zone, disk: 'd1', snapshotResource: {name: 's1'}}));
  await apiOp(api.disks.createSnapshot({project, zone, disk: 'd2', requestBody: {name: 's2'}}));
  assert.match((await c.snapshots.get({project, snapshot: 's1'}))[0].sourceDisk, /disks\/d1$/);
  assert.equal((await api.snapshots.get({project, snapshot: 's2'})).data.status, 'READY');
  const [snaps] = await c.snapshots.list({project});
  assert.deepEqual(snaps.map((s) => s.name), ['s1', 's2']);
  assert.equal((await api.snapshots.list({project})).data.items.length, 2);
  await gaxOp(c.snapshots.delete({project, snapshot: 's1'}));
  await apiOp(api.snapshots.delete({project, snapshot: 's2'}));
  for (const disk of ['d1', 'd3']) await gaxOp(c.disks.delete({project, zone, disk}));
  await apiOp(api.disks.delete({project, zone, disk: 'd2'}));
  assert.deepEqual((await c.disks.list({project, zone}))[0], []);
});

test('operations: every method through both clients', async () => {
  const [op] = await c.images.insert({project, imageResource: {name: 'op-img', sourceImage: 'global/images/small-v1'}});
  const name = op.latestResponse.name;
  assert.equal((await c.globalOps.get({project, operation: name}))[0].status, 'DONE');
  assert.equal((await api.globalOperations.get({project, operation: name})).data.status, 'DONE');
  assert.equal((await c.globalOps.wait({project, operation: name}))[0].status, 'DONE');
  assert.equal((await api.globalOperations.wait({project, operation: name})).data.status, 'DONE');
  const [ops] = await c.globalOps.list({project, filter: `name = ${name}`});
  assert.equal(ops.length, 1);
  assert.equal((await api.globalOperations.list({project, filter: `name = ${name}`})).data.items.length, 1);
  const agg = new Map(await collect(c.globalOps.aggregatedListAsync({project})));
  assert.ok(agg.get('global').operations.some((o) => o.name === name));
  assert.ok((await api.globalOperations.aggregatedList({project})).data.items.global.operations.length > 0);
  await c.globalOps.delete({project, operation: name});
  await assert.rejects(api.globalOperations.get({project, operation: name}));

  const [zop] = await c.disks.insert({project, zone, diskResource: {name: 'op-disk', sizeGb: '1'}});
  const zname = zop.latestResponse.name;
  assert.equal((await c.zoneOps.get({project, zone, operation: zname}))[0].status, 'DONE');
  assert.equal((await api.zoneOperations.get({project, zone, operation: zname})).data.status, 'DONE');
  assert.equal((await c.zoneOps.wait({project, zone, operation: zname}))[0].status, 'DONE');
  assert.equal((await api.zoneOperations.wait({project, zone, operation: zname})).data.status, 'DONE');
  assert.ok((await c.zoneOps.list({project, zone}))[0].some((o) => o.name === zname));
  assert.ok((await api.zoneOperations.list({project, zone})).data.items.some((o) => o.name === zname));
  await api.zoneOperations.delete({project, zone, operation: zname});
  await assert.rejects(c.zoneOps.get({project, zone, operation: zname}));
  await gaxOp(c.disks.delete({project, zone, disk: 'op-disk'}));
  await gaxOp(c.images.delete({project, image: 'op-img'}));
});

// An instance as Terraform's provider and gcloud describe it: many fields
// the local cloud keeps without acting on them, and those it acts on.
function vm(name) {
  return {
    name, machineType: `zones/${zone}/machineTypes/e2-micro`,
    disks: [{boot: true, autoDelete: true, initializeParams: {sourceImage: `projects/${project}/global/images/family/kit`, diskSizeGb: '1'}}],
    networkInterfaces: [{network: 'global/networks/default', accessConfigs: [{name: 'External NAT', type: 'ONE_TO_ONE_NAT', networkTier: 'PREMIUM'}]}],
    scheduling: {automaticRestart: true, onHostMaintenance: 'MIGRATE', preemptible: false},
    shieldedInstanceConfig: {enableSecureBoot: false, enableVtpm: true, enableIntegrityMonitoring: true},
    serviceAccounts: [{email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform']}],
    tags: {items: ['http-server']}, labels: {suite: 'methods'}, deletionProtection: true,
    metadata: {items: [{key: 'startup-script', value: '#!/bin/sh\necho methods-startup >/dev/console\n'}]},
  };
}

for (const via of ['gax', 'googleapis']) {
  test(`instances: every method through ${via}`, async () => {
    const name = `meth-${via === 'gax' ? 'g' : 'd'}`;
    const op = via === 'gax' ? (p) => gaxOp(p) : (p) => apiOp(p);
    const get = async () => via === 'gax' ? (await c.instances.get({project, zone, instance: name}))[0]
                                          : (await api.instances.get({project, zone, instance: name})).data;
    const call = (method, extra = {}) => via === 'gax'
      ? c.instances[method]({project, zone, instance: name, ...extra.gax})
      : api.instances[method]({project, zone, instance: name, ...extra.api});
    await op(via === 'gax' ? c.instances.insert({project, zone, instanceResource: vm(name)})
                           : api.instances.insert({project, zone, requestBody: vm(name)}));
    let got = await get();
    assert.equal(got.status, 'RUNNING');
    assert.equal(got.scheduling.onHostMaintenance, 'MIGRATE');  // Kept as sent.
    assert.equal(got.shieldedInstanceConfig.enableVtpm, true);
    assert.deepEqual(got.tags.items, ['http-server']);
    assert.equal(got.networkInterfaces[0].accessConfigs[0].networkTier, 'PREMIUM');
    const text = async () => via === 'gax'
      ? (await c.instances.getSerialPortOutput({project, zone, instance: name, port: 1}))[0].contents
      : (await api.instances.getSerialPortOutput({project, zone, instance: name, port: 1})).data.contents;
    await serial(text, 'methods-startup');
    const listed = via === 'gax' ? (await c.instances.list({project, zone}))[0]
                                 : (await api.instances.list({project, zone})).data.items;
    assert.ok(listed.some((i) => i.name === name));
    const agg = via === 'gax' ? new Map(await collect(c.instances.aggregatedListAsync({project}))).get(`zones/${zone}`).instances
                              : (await api.instances.aggregatedList({project})).data.items[`zones/${zone}`].instances;
    assert.ok(agg.some((i) => i.name === name));
    const items = [...got.metadata.items, {key: 'role', value: via}];
    await op(call('setMetadata', {gax: {metadataResource: {fingerprint: got.metadata.fingerprint, items}},
                                  api: {requestBody: {fingerprint: got.metadata.fingerprint, items}}}));
    assert.ok((await get()).metadata.items.some((i) => i.key === 'role' && i.value === via));
    await op(call('reset'));
    await op(call('stop'));
    assert.equal((await get()).status, 'TERMINATED');
    const data = `${name}-data`;
    await gaxOp(c.disks.insert({project, zone, diskResource: {name: data, sizeGb: '1'}}));
    await op(call('attachDisk', {gax: {attachedDiskResource: {source: `zones/${zone}/disks/${data}`, deviceName: 'data'}},
                                 api: {requestBody: {source: `zones/${zone}/disks/${data}`, deviceName: 'data'}}}));
    assert.equal((await get()).disks.length, 2);
    await op(call('detachDisk', {gax: {deviceName: 'data'}, api: {deviceName: 'data'}}));
    assert.equal((await get()).disks.length, 1);
    await op(call('start'));
    assert.equal((await get()).status, 'RUNNING');
    // Protected: a delete is refused as GCE refuses it, and changes nothing.
    await assert.rejects(call('delete'), /protected against deletion/);
    assert.equal((await get()).status, 'RUNNING');
    const unprotect = {project, zone, resource: name, deletionProtection: false};  // `resource`, not `instance`.
    await op(via === 'gax' ? c.instances.setDeletionProtection(unprotect) : api.instances.setDeletionProtection(unprotect));
    assert.equal((await get()).deletionProtection ?? false, false);
    await op(call('delete'));
    await gaxOp(c.disks.delete({project, zone, disk: data}));
    await assert.rejects(get());
  });
}
