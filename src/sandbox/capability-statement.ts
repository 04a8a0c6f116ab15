import { getDataType, getResourceTypes } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';

/** Type-level interactions the MemoryRepository behind the sandbox answers for every resource type. */
const TYPE_INTERACTIONS: NonNullable<CapabilityStatementRestResource['interaction']> = [
  { code: 'read' },
  { code: 'vread' },
  { code: 'update' },
  { code: 'patch' },
  { code: 'delete' },
  { code: 'history-instance' },
  { code: 'create' },
  { code: 'search-type' },
];

/**
 * The sandbox's CapabilityStatement. @medplum/fhir-router serves none, and clients (and people)
 * ask `/metadata` first, so the sandbox states what it really does: every resource type over an
 * in-memory store, versioned, with conditional create/update/delete and transaction Bundles.
 */
export function buildCapabilityStatement(baseUrl: string): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = getResourceTypes()
    .filter(isCoreR4Type)
    .sort()
    .map((type) => ({
      type,
      interaction: TYPE_INTERACTIONS,
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: true,
      conditionalCreate: true,
      conditionalUpdate: true,
      conditionalDelete: 'single',
    }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'sdm-bridge FHIR sandbox' },
    implementation: { description: 'In-memory FHIR R4 server for demo and tests', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'No quantity searches and no reverse chaining (_has); transactions are not atomic.',
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
        resource,
      },
    ],
  };
}

/** The repository also stores Medplum's own types (Project, Bot, ...); an R4 statement lists only R4's. */
function isCoreR4Type(type: string): boolean {
  return getDataType(type).url?.startsWith('http://hl7.org/fhir/StructureDefinition/') ?? false;
}
