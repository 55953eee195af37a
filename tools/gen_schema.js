#!/usr/bin/env node
// Generates src/compute/schema_gen.cc, the table of every field of every
// compute/v1 message imago serves or will serve, from Google's published
// definition of the API: the compute.proto that the pinned
// @google-cloud/compute package ships (tests/conformance/package-lock.json).
//
//   node tools/gen_schema.js > src/compute/schema_gen.cc      (make schema)
//
// The messages are those of the resources below, what their fields name,
// and the request bodies of every method of their services. For each field:
// its JSON name (proto3's rule: network_i_p -> networkIP), its type, whether
// it is repeated or a map, whether its comment marks it [Output Only] or
// [Input Only], and
// for strings the enum whose values it takes. The ctest test schema.up_to_date
// runs this again and fails when the committed table differs.
'use strict';
const fs = require('fs');
const path = require('path');

const here = path.resolve(__dirname, '..');
const modules = path.join(here, 'tests/conformance/node_modules');
const protobuf = require(path.join(modules, 'protobufjs'));
const pkg = require(path.join(modules, '@google-cloud/compute/package.json'));
const protoPath = path.join(modules, '@google-cloud/compute/build/protos/google/cloud/compute/v1/compute.proto');

const kPackage = 'google.cloud.compute.v1.';
const kResources = ['Image', 'Disk', 'Snapshot', 'Instance', 'Operation', 'Zone', 'Region',
  'MachineType', 'Project', 'InstanceTemplate', 'InstanceGroupManager', 'HealthCheck',
  'Autoscaler', 'BackendService', 'ForwardingRule', 'UrlMap', 'TargetHttpProxy',
  'BackendServiceGroupHealth', 'InstanceGroup'];
const kServices = ['Images', 'Disks', 'Snapshots', 'Instances', 'GlobalOperations',
  'ZoneOperations', 'RegionOperations', 'Zones', 'Regions', 'MachineTypes', 'Projects',
  'InstanceTemplates', 'InstanceGroupManagers', 'RegionInstanceGroupManagers', 'HealthChecks',
  'Autoscalers', 'RegionAutoscalers', 'BackendServices', 'ForwardingRules',
  'GlobalForwardingRules', 'UrlMaps', 'TargetHttpProxies', 'InstanceGroups'];

// compute.proto imports google/api/*, google/cloud/extended_operations.proto
// and google/protobuf/any.proto: from the package itself or from google-gax.
const includeDirs = [path.join(modules, '@google-cloud/compute/build/protos'),
                     path.join(modules, 'google-gax/build/protos')];
const root = new protobuf.Root();
root.resolvePath = (origin, target) => {
  for (const dir of includeDirs) {
    const p = path.join(dir, target);
    if (fs.existsSync(p)) return p;
  }
  return protobuf.util.path.resolve(origin, target);
};
root.loadSync(protoPath, {keepCase: true, alternateCommentMode: true});
root.resolveAll();

// proto3's JSON name of a field.
function jsonName(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}
function shortName(type) {
  return type.fullName.replace(/^\./, '').replace(kPackage, '');
}

// The messages: the resources, the bodies of their services' methods, and
// everything their fields reach.
const wanted = new Map();
function want(type) {
  const name = shortName(type);
  if (wanted.has(name)) return;
  wanted.set(name, type);
  for (const f of type.fieldsArray) {
    if (f.resolvedType instanceof protobuf.Type) want(f.resolvedType);
  }
}
for (const r of kResources) want(root.lookupType(kPackage + r));
for (const s of kServices) {
  const service = root.lookupService(kPackage + s);
  for (const m of service.methodsArray) {
    const body = m.options && m.options['(google.api.http).body'];
    if (!body || body === '*') continue;
    const request = root.lookupType(m.resolvedRequestType.fullName);
    const field = request.fields[body];
    if (field && field.resolvedType instanceof protobuf.Type) want(field.resolvedType);
  }
}

const kScalar = {
  string: 'kString', bool: 'kBool', int32: 'kInt32', uint32: 'kUint32', int64: 'kInt64',
  uint64: 'kUint64', double: 'kDouble', float: 'kDouble', bytes: 'kString',
  fixed32: 'kUint32', fixed64: 'kUint64', sint32: 'kInt32', sint64: 'kInt64',
};

// The enum a string field takes its values from: "Check the X enum ...".
function enumOf(type, field) {
  const m = /Check the (\w+) enum/.exec(field.comment || '');
  if (!m) return null;
  for (let t = type; t; t = t.parent) {
    const e = t.nested && t.nested[m[1]];
    if (e instanceof protobuf.Enum) return e;
  }
  return null;
}
// What a field's comment says of it: [Output Only] (the server sets it; a
// value sent is ignored) or [Input Only] (taken with the request, never kept).
function flags(field) {
  const c = field.comment || '';
  if (/\[Output Only\]|^Output only\b|\bOutput only\./.test(c)) return 'kOutputOnly';
  if (/\[Input Only\]|^Input only\b|\bInput only\./.test(c)) return 'kInputOnly';
  return 'kInputOutput';
}

const fields = [];
const enums = new Map();
for (const name of [...wanted.keys()].sort()) {
  const type = wanted.get(name);
  const rows = [];
  for (const f of type.fieldsArray) {
    let kind, ref = '', shape = 'kSingle';
    if (f.map) shape = 'kMap';
    else if (f.repeated) shape = 'kRepeated';
    if (f.resolvedType instanceof protobuf.Type) {
      kind = 'kMessage';
      ref = shortName(f.resolvedType);
    } else if (f.resolvedType instanceof protobuf.Enum) {
      kind = 'kEnum';  // Sent as its name, a string.
      ref = shortName(f.resolvedType);
      enums.set(ref, f.resolvedType);
    } else {
      kind = kScalar[f.type];
      if (!kind) throw new Error(`${name}.${f.name}: unknown type ${f.type}`);
      const e = f.type === 'string' ? enumOf(type, f) : null;
      if (e) {
        kind = 'kEnum';
        ref = shortName(e);
        enums.set(ref, e);
      }
    }
    rows.push([name, jsonName(f.name), kind, ref, shape, flags(f)]);
  }
  rows.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  fields.push(...rows);
}

const q = (s) => JSON.stringify(s);
const out = [];
out.push(`// Generated by tools/gen_schema.js from @google-cloud/compute ${pkg.version}`);
out.push('// (build/protos/google/cloud/compute/v1/compute.proto). Do not edit: run');
out.push('// `make schema`; ctest schema.up_to_date checks it is what the generator makes.');
out.push(`// ${wanted.size} messages, ${fields.length} fields, ${enums.size} enums.`);
out.push('#include "compute/schema.h"');
out.push('');
out.push('// clang-format off');
out.push('namespace imago::compute::schema_data {');
out.push('');
out.push('// Sorted by message, then by field.');
out.push('const FieldDef kFields[] = {');
for (const [m, f, kind, ref, shape, access] of fields) {
  out.push(`    {${q(m)}, ${q(f)}, FieldKind::${kind}, ${q(ref)}, FieldShape::${shape}, FieldAccess::${access}},`);
}
out.push('};');
out.push('const size_t kFieldCount = sizeof(kFields) / sizeof(kFields[0]);');
out.push('');
out.push('// Each enum\'s values, "|"-separated (UNDEFINED_* left out: it means unset).');
out.push('const EnumDef kEnums[] = {');
for (const name of [...enums.keys()].sort()) {
  const e = enums.get(name);
  const values = Object.keys(e.values).filter((v) => !v.startsWith('UNDEFINED_'));
  // Google's protos leave some values out of the enum and list them in its
  // comment instead ("Additional supported values which may be not listed
  // in the enum directly due to technical reasons: PROACTIVE ..."): they
  // are values all the same.
  const extra = /Additional supported values[^:]*:([\s\S]*)$/.exec(e.comment || '');
  if (extra) {
    for (const word of extra[1].split(/\s+/)) {
      if (/^[A-Z][A-Z0-9_]*$/.test(word) && !values.includes(word)) values.push(word);
    }
  }
  out.push(`    {${q(name)}, ${q(values.join('|'))}},`);
}
out.push('};');
out.push('const size_t kEnumCount = sizeof(kEnums) / sizeof(kEnums[0]);');
out.push('');
out.push(`const char kSchemaSource[] = ${q('@google-cloud/compute ' + pkg.version)};`);
out.push('');
out.push('}  // namespace imago::compute::schema_data');
out.push('// clang-format on');
process.stdout.write(out.join('\n') + '\n');
