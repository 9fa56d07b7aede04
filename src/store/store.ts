import type { Database } from './database.js';
import * as agents from './agents-repository.js';
import * as approvals from './approvals-repository.js';
import * as checkpoints from './checkpoints-repository.js';
import * as credits from './credits-repository.js';
import * as environments from './environments-repository.js';
import * as events from './events-repository.js';
import * as executions from './executions-repository.js';
import * as feedback from './feedback-repository.js';
import * as flows from './flows-repository.js';
import * as idempotency from './idempotency-repository.js';
import * as keys from './keys-repository.js';
import * as leases from './leases-repository.js';
import * as modelAliases from './model-aliases-repository.js';
import * as rateLimits from './rate-limits-repository.js';
import * as records from './records-repository.js';
import * as responseCache from './response-cache-repository.js';
import * as runLog from './run-log-repository.js';
import * as secrets from './secrets-repository.js';
import * as tenantLimits from './tenant-limits-repository.js';
import * as tools from './tools-repository.js';

type Tail<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : never;

/**
 * Every repository function bound to one database: what the API layer holds instead of the database itself,
 * so routes never see a connection (and a test can hand them a store of its own). Generated from the
 * repositories' exports whose first parameter is the database.
 */
export function createStore(db: Database) {
  return {
    ...agentsOf(db),
    ...approvalsOf(db),
    ...checkpointsOf(db),
    ...creditsOf(db),
    ...environmentsOf(db),
    ...eventsOf(db),
    ...executionsOf(db),
    ...feedbackOf(db),
    ...flowsOf(db),
    ...idempotencyOf(db),
    ...keysOf(db),
    ...leasesOf(db),
    ...modelAliasesOf(db),
    ...rateLimitsOf(db),
    ...recordsOf(db),
    ...responseCacheOf(db),
    ...runLogOf(db),
    ...secretsOf(db),
    ...tenantLimitsOf(db),
    ...toolsOf(db),
  };
}

export type Store = ReturnType<typeof createStore>;

function agentsOf(db: Database) {
  return {
    listAgents: (...args: Tail<Parameters<typeof agents.listAgents>>) => agents.listAgents(db, ...args),
    getAgent: (...args: Tail<Parameters<typeof agents.getAgent>>) => agents.getAgent(db, ...args),
    insertAgent: (...args: Tail<Parameters<typeof agents.insertAgent>>) => agents.insertAgent(db, ...args),
    updateAgent: (...args: Tail<Parameters<typeof agents.updateAgent>>) => agents.updateAgent(db, ...args),
    deleteAgent: (...args: Tail<Parameters<typeof agents.deleteAgent>>) => agents.deleteAgent(db, ...args),
  };
}

function approvalsOf(db: Database) {
  return {
    insertApprovals: (...args: Tail<Parameters<typeof approvals.insertApprovals>>) => approvals.insertApprovals(db, ...args),
    getApproval: (...args: Tail<Parameters<typeof approvals.getApproval>>) => approvals.getApproval(db, ...args),
    listApprovals: (...args: Tail<Parameters<typeof approvals.listApprovals>>) => approvals.listApprovals(db, ...args),
    approvalsOfExecution: (...args: Tail<Parameters<typeof approvals.approvalsOfExecution>>) => approvals.approvalsOfExecution(db, ...args),
    decideApproval: (...args: Tail<Parameters<typeof approvals.decideApproval>>) => approvals.decideApproval(db, ...args),
    expiredApprovals: (...args: Tail<Parameters<typeof approvals.expiredApprovals>>) => approvals.expiredApprovals(db, ...args),
    decidedButPaused: (...args: Tail<Parameters<typeof approvals.decidedButPaused>>) => approvals.decidedButPaused(db, ...args),
  };
}

function checkpointsOf(db: Database) {
  return {
    saveStepCheckpoint: (...args: Tail<Parameters<typeof checkpoints.saveStepCheckpoint>>) => checkpoints.saveStepCheckpoint(db, ...args),
    listStepCheckpoints: (...args: Tail<Parameters<typeof checkpoints.listStepCheckpoints>>) =>
      checkpoints.listStepCheckpoints(db, ...args),
    getStepCalls: (...args: Tail<Parameters<typeof checkpoints.getStepCalls>>) => checkpoints.getStepCalls(db, ...args),
    saveLoopJournal: (...args: Tail<Parameters<typeof checkpoints.saveLoopJournal>>) => checkpoints.saveLoopJournal(db, ...args),
    getLoopJournal: (...args: Tail<Parameters<typeof checkpoints.getLoopJournal>>) => checkpoints.getLoopJournal(db, ...args),
  };
}

function creditsOf(db: Database) {
  return {
    ensureBalance: (...args: Tail<Parameters<typeof credits.ensureBalance>>) => credits.ensureBalance(db, ...args),
    getBalance: (...args: Tail<Parameters<typeof credits.getBalance>>) => credits.getBalance(db, ...args),
    reserveCredits: (...args: Tail<Parameters<typeof credits.reserveCredits>>) => credits.reserveCredits(db, ...args),
    extendReservation: (...args: Tail<Parameters<typeof credits.extendReservation>>) => credits.extendReservation(db, ...args),
    recordChildCredits: (...args: Tail<Parameters<typeof credits.recordChildCredits>>) => credits.recordChildCredits(db, ...args),
    settleCredits: (...args: Tail<Parameters<typeof credits.settleCredits>>) => credits.settleCredits(db, ...args),
    addCredits: (...args: Tail<Parameters<typeof credits.addCredits>>) => credits.addCredits(db, ...args),
    listLedger: (...args: Tail<Parameters<typeof credits.listLedger>>) => credits.listLedger(db, ...args),
    ledgerSum: (...args: Tail<Parameters<typeof credits.ledgerSum>>) => credits.ledgerSum(db, ...args),
    settleExecution: (...args: Tail<Parameters<typeof credits.settleExecution>>) => credits.settleExecution(db, ...args),
  };
}

function environmentsOf(db: Database) {
  return {
    listEnvironments: (...args: Tail<Parameters<typeof environments.listEnvironments>>) => environments.listEnvironments(db, ...args),
    createEnvironment: (...args: Tail<Parameters<typeof environments.createEnvironment>>) => environments.createEnvironment(db, ...args),
    appendAudit: (...args: Tail<Parameters<typeof environments.appendAudit>>) => environments.appendAudit(db, ...args),
    listAudit: (...args: Tail<Parameters<typeof environments.listAudit>>) => environments.listAudit(db, ...args),
  };
}

function eventsOf(db: Database) {
  return {
    appendEvents: (...args: Tail<Parameters<typeof events.appendEvents>>) => events.appendEvents(db, ...args),
    commitEvents: (...args: Tail<Parameters<typeof events.commitEvents>>) => events.commitEvents(db, ...args),
    readEvents: (...args: Tail<Parameters<typeof events.readEvents>>) => events.readEvents(db, ...args),
    lastStoredSeq: (...args: Tail<Parameters<typeof events.lastStoredSeq>>) => events.lastStoredSeq(db, ...args),
  };
}

function executionsOf(db: Database) {
  return {
    insertExecution: (...args: Tail<Parameters<typeof executions.insertExecution>>) => executions.insertExecution(db, ...args),
    finishExecution: (...args: Tail<Parameters<typeof executions.finishExecution>>) => executions.finishExecution(db, ...args),
    getExecution: (...args: Tail<Parameters<typeof executions.getExecution>>) => executions.getExecution(db, ...args),
    listRunWarnings: (...args: Tail<Parameters<typeof executions.listRunWarnings>>) => executions.listRunWarnings(db, ...args),
    listExecutions: (...args: Tail<Parameters<typeof executions.listExecutions>>) => executions.listExecutions(db, ...args),
    getExecutionRow: (...args: Tail<Parameters<typeof executions.getExecutionRow>>) => executions.getExecutionRow(db, ...args),
    requestCancel: (...args: Tail<Parameters<typeof executions.requestCancel>>) => executions.requestCancel(db, ...args),
    claimPaused: (...args: Tail<Parameters<typeof executions.claimPaused>>) => executions.claimPaused(db, ...args),
    listChildExecutions: (...args: Tail<Parameters<typeof executions.listChildExecutions>>) => executions.listChildExecutions(db, ...args),
    setExecutionMeta: (...args: Tail<Parameters<typeof executions.setExecutionMeta>>) => executions.setExecutionMeta(db, ...args),
    getExecutionMeta: (...args: Tail<Parameters<typeof executions.getExecutionMeta>>) => executions.getExecutionMeta(db, ...args),
    completeWithoutCost: (...args: Tail<Parameters<typeof executions.completeWithoutCost>>) => executions.completeWithoutCost(db, ...args),
    countRecoveryAttempt: (...args: Tail<Parameters<typeof executions.countRecoveryAttempt>>) =>
      executions.countRecoveryAttempt(db, ...args),
    listArtifacts: (...args: Tail<Parameters<typeof executions.listArtifacts>>) => executions.listArtifacts(db, ...args),
  };
}

function feedbackOf(db: Database) {
  return {
    upsertFeedback: (...args: Tail<Parameters<typeof feedback.upsertFeedback>>) => feedback.upsertFeedback(db, ...args),
    getFeedback: (...args: Tail<Parameters<typeof feedback.getFeedback>>) => feedback.getFeedback(db, ...args),
  };
}

function flowsOf(db: Database) {
  return {
    getFlow: (...args: Tail<Parameters<typeof flows.getFlow>>) => flows.getFlow(db, ...args),
    getActiveVersionId: (...args: Tail<Parameters<typeof flows.getActiveVersionId>>) => flows.getActiveVersionId(db, ...args),
    findFlowByName: (...args: Tail<Parameters<typeof flows.findFlowByName>>) => flows.findFlowByName(db, ...args),
    listFlows: (...args: Tail<Parameters<typeof flows.listFlows>>) => flows.listFlows(db, ...args),
    listVersions: (...args: Tail<Parameters<typeof flows.listVersions>>) => flows.listVersions(db, ...args),
    slugTaken: (...args: Tail<Parameters<typeof flows.slugTaken>>) => flows.slugTaken(db, ...args),
    createFlow: (...args: Tail<Parameters<typeof flows.createFlow>>) => flows.createFlow(db, ...args),
    upsertFlowVersion: (...args: Tail<Parameters<typeof flows.upsertFlowVersion>>) => flows.upsertFlowVersion(db, ...args),
    updateFlowSlug: (...args: Tail<Parameters<typeof flows.updateFlowSlug>>) => flows.updateFlowSlug(db, ...args),
    deleteFlow: (...args: Tail<Parameters<typeof flows.deleteFlow>>) => flows.deleteFlow(db, ...args),
    activateVersion: (...args: Tail<Parameters<typeof flows.activateVersion>>) => flows.activateVersion(db, ...args),
    listActivations: (...args: Tail<Parameters<typeof flows.listActivations>>) => flows.listActivations(db, ...args),
    versionExists: (...args: Tail<Parameters<typeof flows.versionExists>>) => flows.versionExists(db, ...args),
  };
}

function idempotencyOf(db: Database) {
  return {
    findIdempotentExecution: (...args: Tail<Parameters<typeof idempotency.findIdempotentExecution>>) =>
      idempotency.findIdempotentExecution(db, ...args),
    claimIdempotencyKey: (...args: Tail<Parameters<typeof idempotency.claimIdempotencyKey>>) =>
      idempotency.claimIdempotencyKey(db, ...args),
    releaseIdempotencyKey: (...args: Tail<Parameters<typeof idempotency.releaseIdempotencyKey>>) =>
      idempotency.releaseIdempotencyKey(db, ...args),
  };
}

function keysOf(db: Database) {
  return {
    createApiKey: (...args: Tail<Parameters<typeof keys.createApiKey>>) => keys.createApiKey(db, ...args),
    createKeyByKey: (...args: Tail<Parameters<typeof keys.createKeyByKey>>) => keys.createKeyByKey(db, ...args),
    findActiveKey: (...args: Tail<Parameters<typeof keys.findActiveKey>>) => keys.findActiveKey(db, ...args),
    keyLimitsOf: (...args: Tail<Parameters<typeof keys.keyLimitsOf>>) => keys.keyLimitsOf(db, ...args),
    hasApiKeys: (...args: Tail<Parameters<typeof keys.hasApiKeys>>) => keys.hasApiKeys(db, ...args),
    listApiKeys: (...args: Tail<Parameters<typeof keys.listApiKeys>>) => keys.listApiKeys(db, ...args),
    setKeyLimits: (...args: Tail<Parameters<typeof keys.setKeyLimits>>) => keys.setKeyLimits(db, ...args),
    revokeApiKey: (...args: Tail<Parameters<typeof keys.revokeApiKey>>) => keys.revokeApiKey(db, ...args),
  };
}

function leasesOf(db: Database) {
  return {
    renewLeases: (...args: Tail<Parameters<typeof leases.renewLeases>>) => leases.renewLeases(db, ...args),
    releaseLeases: (...args: Tail<Parameters<typeof leases.releaseLeases>>) => leases.releaseLeases(db, ...args),
    leaseHolders: (...args: Tail<Parameters<typeof leases.leaseHolders>>) => leases.leaseHolders(db, ...args),
    runsLeasedBy: (...args: Tail<Parameters<typeof leases.runsLeasedBy>>) => leases.runsLeasedBy(db, ...args),
    lapsedRuns: (...args: Tail<Parameters<typeof leases.lapsedRuns>>) => leases.lapsedRuns(db, ...args),
    takeOverLease: (...args: Tail<Parameters<typeof leases.takeOverLease>>) => leases.takeOverLease(db, ...args),
  };
}

function modelAliasesOf(db: Database) {
  return {
    listAliases: (...args: Tail<Parameters<typeof modelAliases.listAliases>>) => modelAliases.listAliases(db, ...args),
    putAlias: (...args: Tail<Parameters<typeof modelAliases.putAlias>>) => modelAliases.putAlias(db, ...args),
    deleteAlias: (...args: Tail<Parameters<typeof modelAliases.deleteAlias>>) => modelAliases.deleteAlias(db, ...args),
    resolveAlias: (...args: Tail<Parameters<typeof modelAliases.resolveAlias>>) => modelAliases.resolveAlias(db, ...args),
  };
}

function rateLimitsOf(db: Database) {
  return {
    countHit: (...args: Tail<Parameters<typeof rateLimits.countHit>>) => rateLimits.countHit(db, ...args),
    dropWindows: (...args: Tail<Parameters<typeof rateLimits.dropWindows>>) => rateLimits.dropWindows(db, ...args),
    runsInFlight: (...args: Tail<Parameters<typeof rateLimits.runsInFlight>>) => rateLimits.runsInFlight(db, ...args),
    tenantRunsInFlight: (...args: Tail<Parameters<typeof rateLimits.tenantRunsInFlight>>) => rateLimits.tenantRunsInFlight(db, ...args),
  };
}

function recordsOf(db: Database) {
  return {
    getRecord: (...args: Tail<Parameters<typeof records.getRecord>>) => records.getRecord(db, ...args),
    createRecord: (...args: Tail<Parameters<typeof records.createRecord>>) => records.createRecord(db, ...args),
    updateRecordMetadata: (...args: Tail<Parameters<typeof records.updateRecordMetadata>>) => records.updateRecordMetadata(db, ...args),
    listRecords: (...args: Tail<Parameters<typeof records.listRecords>>) => records.listRecords(db, ...args),
    findRecord: (...args: Tail<Parameters<typeof records.findRecord>>) => records.findRecord(db, ...args),
    updateRecord: (...args: Tail<Parameters<typeof records.updateRecord>>) => records.updateRecord(db, ...args),
    deleteRecord: (...args: Tail<Parameters<typeof records.deleteRecord>>) => records.deleteRecord(db, ...args),
  };
}

function responseCacheOf(db: Database) {
  return {
    getCachedResponse: (...args: Tail<Parameters<typeof responseCache.getCachedResponse>>) => responseCache.getCachedResponse(db, ...args),
    putCachedResponse: (...args: Tail<Parameters<typeof responseCache.putCachedResponse>>) => responseCache.putCachedResponse(db, ...args),
  };
}

function runLogOf(db: Database) {
  return {
    runFilters: (...args: Tail<Parameters<typeof runLog.runFilters>>) => runLog.runFilters(db, ...args),
    listRuns: (...args: Tail<Parameters<typeof runLog.listRuns>>) => runLog.listRuns(db, ...args),
    usageTotals: (...args: Tail<Parameters<typeof runLog.usageTotals>>) => runLog.usageTotals(db, ...args),
  };
}

function secretsOf(db: Database) {
  return {
    listSecrets: (...args: Tail<Parameters<typeof secrets.listSecrets>>) => secrets.listSecrets(db, ...args),
    getSecret: (...args: Tail<Parameters<typeof secrets.getSecret>>) => secrets.getSecret(db, ...args),
    insertSecret: (...args: Tail<Parameters<typeof secrets.insertSecret>>) => secrets.insertSecret(db, ...args),
    updateSecret: (...args: Tail<Parameters<typeof secrets.updateSecret>>) => secrets.updateSecret(db, ...args),
    deleteSecret: (...args: Tail<Parameters<typeof secrets.deleteSecret>>) => secrets.deleteSecret(db, ...args),
    findSealedSecrets: (...args: Tail<Parameters<typeof secrets.findSealedSecrets>>) => secrets.findSealedSecrets(db, ...args),
  };
}

function tenantLimitsOf(db: Database) {
  return {
    getTenantLimits: (...args: Tail<Parameters<typeof tenantLimits.getTenantLimits>>) => tenantLimits.getTenantLimits(db, ...args),
    setTenantLimits: (...args: Tail<Parameters<typeof tenantLimits.setTenantLimits>>) => tenantLimits.setTenantLimits(db, ...args),
  };
}

function toolsOf(db: Database) {
  return {
    listTools: (...args: Tail<Parameters<typeof tools.listTools>>) => tools.listTools(db, ...args),
    getTool: (...args: Tail<Parameters<typeof tools.getTool>>) => tools.getTool(db, ...args),
    findTools: (...args: Tail<Parameters<typeof tools.findTools>>) => tools.findTools(db, ...args),
    insertTool: (...args: Tail<Parameters<typeof tools.insertTool>>) => tools.insertTool(db, ...args),
    updateTool: (...args: Tail<Parameters<typeof tools.updateTool>>) => tools.updateTool(db, ...args),
    deleteTool: (...args: Tail<Parameters<typeof tools.deleteTool>>) => tools.deleteTool(db, ...args),
  };
}
