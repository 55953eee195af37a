// imago serve, driven by Google's own Node.js clients for Compute Engine:
// @google-cloud/compute (gax, REST transport) and googleapis (discovery).
// conformance_test.sh starts the server and sets IMAGO_ENDPOINT_PORT, IMAGO_TOKEN,
// IMAGO_PROJECT; the images kit-v1 (family kit) and two small ones exist.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const compute = require('@google-cloud/compute');
const {google} = require('googleapis');
const {OAuth2Client} = require('google-auth-library');

const port = Number(process.env.IMAGO_ENDPOINT_PORT);
const token = process.env.IMAGO_TOKEN;
const project = process.env.IMAGO_PROJECT || 'local';
const zone = 'local-a';

// An auth client that sends imago's bearer token (no token exchange).
function authClient(tok = token) {
  const c = new OAuth2Client();
  c.setCredentials({access_token: tok});
  return c;
}
function gax(Client, tok) {
  return new Client({apiEndpoint: '127.0.0.1', port, protocol: 'http', authClient: authClient(tok)});
}
const images = gax(compute.ImagesClient);
const globalOps = gax(compute.GlobalOperationsClient);
const zoneOps = gax(compute.ZoneOperationsClient);
const instances = gax(compute.InstancesClient);
const disks = gax(compute.DisksClient);
const api = google.compute({version: 'v1', rootUrl: `http://127.0.0.1:${port}/`, auth: authClient()});

// Waits for a global or zonal operation the way generated code does.
async function done(op, zonal = false) {
  const name = op.name || op.latestResponse.name;
  const [res] = zonal ? await zoneOps.wait({project, zone, operation: name})
                      : await globalOps.wait({project, operation: name});
  assert.equal(res.status, 'DONE');
  assert.ok(!res.error, JSON.stringify(res.error));
  return res;
}
async function insertImage(name, family, extra = {}) {
  const [op] = await images.insert({project, imageResource: {name, family, sourceImage: `projects/${project}/global/images/small-v1`, ...extra}});
  return done(op);
}
async function head(family) {
  const [im] = await images.getFromFamily({project, family});
  return im.name;
}
// gax errors carry the HTTP status in .code for REST (or a gRPC code); the
// message is the server's.
async function rejectsWith(promise, status, text) {
  await assert.rejects(promise, (err) => {
    const codes = [err.code, err.status, err.response && err.response.status].map(String);
    const grpc = {400: '3', 401: '16', 404: '5', 409: '6', 412: '9'}[status];
    assert.ok(codes.includes(String(status)) || codes.includes(grpc),
              `expected HTTP ${status}, got ${codes} (${err.message})`);
    if (text) assert.match(err.message, text);
    return true;
  });
}

test('the seed walkthrough: a family follows its newest usable image', async () => {
  await insertImage('seed-v1', 'seed');
  assert.equal(await head('seed'), 'seed-v1');
  await insertImage('seed-v2', 'seed');
  assert.equal(await head('seed'), 'seed-v2');
  const [dep] = await images.deprecate({project, image: 'seed-v2', deprecationStatusResource: {
    state: 'DEPRECATED', replacement: `projects/${project}/global/images/seed-v1`}});
  await done(dep);
  assert.equal(await head('seed'), 'seed-v1');
  const [v2] = await images.get({project, image: 'seed-v2'});
  assert.equal(v2.deprecated.state, 'DEPRECATED');
  assert.match(v2.deprecated.replacement, /global\/images\/seed-v1$/);
  // Un-deprecate.
  await done((await images.deprecate({project, image: 'seed-v2', deprecationStatusResource: {state: 'ACTIVE'}}))[0]);
  assert.equal(await head('seed'), 'seed-v2');
  // OBSOLETE: refused as a source, with GCE's message.
  await done((await images.deprecate({project, image: 'seed-v1', deprecationStatusResource: {state: 'OBSOLETE'}}))[0]);
  await rejectsWith(insertImage('from-obsolete', 'x', {sourceImage: `projects/${project}/global/images/seed-v1`}), 400, /obsolete/);
});

test('labels with fingerprints', async () => {
  await insertImage('lab-v1', 'lab');
  const [im] = await images.get({project, image: 'lab-v1'});
  await done((await images.setLabels({project, resource: 'lab-v1', globalSetLabelsRequestResource: {
    labels: {env: 'dev'}, labelFingerprint: im.labelFingerprint}}))[0]);
  const [after] = await images.get({project, image: 'lab-v1'});
  assert.deepEqual(after.labels, {env: 'dev'});
  assert.notEqual(after.labelFingerprint, im.labelFingerprint);
  await rejectsWith(images.setLabels({project, resource: 'lab-v1', globalSetLabelsRequestResource: {
    labels: {env: 'prod'}, labelFingerprint: im.labelFingerprint}}), 412, /fingerprint/i);
});

test('errors have the status and message GCE gives', async () => {
  await rejectsWith(images.get({project, image: 'no-such-image'}), 404, /was not found/);
  await rejectsWith(images.getFromFamily({project, family: 'no-such-family'}), 404, /family\/no-such-family/);
  await rejectsWith(insertImage('seed-v2', 'seed'), 409, /already exists/);
  await rejectsWith(images.insert({project, imageResource: {name: 'Bad_Name', sourceImage: 'small-v1'}}), 400, /name/);
  await rejectsWith(images.list({project, filter: 'name = (unclosed'}), 400);
  // A wrong token: 401.
  await rejectsWith(gax(compute.ImagesClient, 'x'.repeat(64)).get({project, image: 'small-v1'}), 401);
  // googleapis shows the error body as GCE writes it.
  await assert.rejects(api.images.get({project, image: 'no-such-image'}), (err) => {
    assert.equal(err.response.status, 404);
    const body = err.response.data.error;
    assert.equal(body.code, 404);
    assert.match(body.message, /projects\/local\/global\/images\/no-such-image/);
    assert.equal(body.errors[0].reason, 'notFound');
    assert.equal(body.errors[0].domain, 'global');
    return true;
  });
});

test('paging with maxResults, and filters', async () => {
  for (let i = 1; i <= 5; i++) await insertImage(`page-v${i}`, 'page');
  const names = [];
  for await (const im of images.listAsync({project, maxResults: 2, filter: 'family = page'})) names.push(im.name);
  assert.deepEqual(names, ['page-v1', 'page-v2', 'page-v3', 'page-v4', 'page-v5']);
  // One page at a time through googleapis.
  const first = await api.images.list({project, maxResults: 2, filter: 'family = page'});
  assert.equal(first.data.items.length, 2);
  assert.ok(first.data.nextPageToken);
  const second = await api.images.list({project, maxResults: 2, filter: 'family = page', pageToken: first.data.nextPageToken});
  assert.deepEqual(second.data.items.map((i) => i.name), ['page-v3', 'page-v4']);
  const [filtered] = await images.list({project, filter: 'name = page-v3', autoPaginate: false});
  assert.deepEqual(filtered.map((i) => i.name), ['page-v3']);
});

test('requestId replays return the first operation', async () => {
  const requestId = 'a3f1c2d4-5b6e-4f70-8192-a3b4c5d6e7f8';
  const req = {project, requestId, imageResource: {name: 'replay-v1', sourceImage: 'global/images/small-v1'}};
  const [a] = await images.insert(req);
  const [b] = await images.insert(req);
  assert.equal(a.latestResponse.name, b.latestResponse.name);
  assert.equal(a.latestResponse.clientOperationId, requestId);
  const [op] = await globalOps.get({project, operation: a.latestResponse.name});
  assert.equal(op.status, 'DONE');
  const [list] = await images.list({project, filter: 'name = replay-v1', autoPaginate: false});
  assert.equal(list.length, 1);
});

test('an instance from a family URL reaches RUNNING and shows serial output', async () => {
  const [op] = await instances.insert({project, zone, instanceResource: {
    name: 'conf-vm',
    machineType: `zones/${zone}/machineTypes/e2-micro`,
    disks: [{boot: true, autoDelete: true, initializeParams: {sourceImage: `projects/${project}/global/images/family/kit`}}],
    networkInterfaces: [{network: 'global/networks/default'}],
    metadata: {items: [{key: 'startup-script', value: '#!/bin/sh\necho conformance-startup\n'}]},
    labels: {suite: 'conformance'},
  }});
  await done(op, true);
  const [vm] = await instances.get({project, zone, instance: 'conf-vm'});
  assert.equal(vm.status, 'RUNNING');
  assert.match(vm.disks[0].source, /zones\/local-a\/disks\/conf-vm$/);
  const [disk] = await disks.get({project, zone, disk: 'conf-vm'});
  assert.match(disk.sourceImage, /global\/images\/kit-v1$/);  // The family, resolved.
  let contents = '';
  for (let i = 0; i < 240 && !contents.includes('imago-kit: startup-script exited 0'); i++) {
    await new Promise((r) => setTimeout(r, 500));
    const [out] = await instances.getSerialPortOutput({project, zone, instance: 'conf-vm', port: 1});
    contents = out.contents;
  }
  assert.match(contents, /imago-kit: up/);
  assert.match(contents, /startup-script exited 0/);
  const viaDiscovery = await api.instances.get({project, zone, instance: 'conf-vm'});
  assert.equal(viaDiscovery.data.status, 'RUNNING');
  await done((await instances.delete({project, zone, instance: 'conf-vm'}))[0], true);
  await rejectsWith(instances.get({project, zone, instance: 'conf-vm'}), 404);
});
