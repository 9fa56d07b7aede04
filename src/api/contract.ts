import type { z } from 'zod';
import { AgentDefinition } from '../protocol/agent.js';
import { ChatMessage, RawStep, ToolsConfig } from '../protocol/flow.js';
import * as client from './client-schemas.js';
import { Feedback, FlowBody, ModelAliasBody, RunRequest } from '../protocol/shuttle.js';
import * as requests from './request-schemas.js';
import * as responses from './response-schemas.js';
import { ErrorBody } from './route-schemas.js';
import { DispatchBody } from './wire/dispatch-request.js';

// The API's one contract: every schema a route validates its request with (params, query, body) or describes its
// answer with in /openapi.json. Routes import their schemas from here, and the typed client's types are generated
// from `clientTypes` (request types from ./client-schemas.ts where the routes take a part loosely on purpose;
// scripts/generate-api-types.mjs writes client/src/api-types.ts; src/api/contract.test.ts fails
// when that file drifts from these schemas).

export * from './request-schemas.js';
export * from './response-schemas.js';
export { describedBody, ErrorBody, EventsQuery, routeParams, type ZodApp } from './route-schemas.js';
export { AgentDefinition, DispatchBody, Feedback, FlowBody, ModelAliasBody, RunRequest };

/**
 * Each client type by its name, with the schema it is generated from: what a caller sends (`input`: a field with a
 * default is optional) and what the server answers (`output`).
 */
export const clientTypes = {
  input: {
    ChatMessage,
    Step: client.ClientStep,
    StepErrorHandling: RawStep.shape.errorHandling.unwrap(),
    ToolsConfig,
    DispatchRequest: client.ClientDispatchRequest,
    ApprovalDecision: requests.ApproveBody,
    ResumeRequest: requests.ResumeBody,
    ContinueRequest: requests.ContinueBody,
    AgentExecuteRequest: requests.AgentExecuteBody,
    ShuttleRunRequest: RunRequest,
    FeedbackRequest: Feedback,
    ModelAliasRequest: ModelAliasBody,
    FlowRequest: client.ClientFlowRequest,
    AgentRequest: client.ClientAgentDefinition,
    ToolRequest: client.ClientToolRequest,
    RecordRequest: requests.RecordBody,
    KeyRequest: requests.KeyBody,
    SecretRequest: requests.SecretBody,
    SecretUpdateRequest: requests.SecretUpdateBody,
    SecretCheckRequest: requests.SecretCheckBody,
    ActivateRequest: requests.ActivateBody,
    PromoteRequest: requests.PromoteBody,
    ToolTestRequest: client.ClientToolTestRequest,
    McpDiscoverRequest: requests.McpDiscoverBody,
    ExecutionListQuery: requests.ExecutionListQuery,
    ApprovalListQuery: requests.ApprovalListQuery,
    ShuttleRunsQuery: requests.ShuttleRunsQuery,
    ParametersQuery: requests.ParametersQuery,
    UsageQuery: requests.UsageQuery,
    LedgerQuery: requests.LedgerQuery,
    AuditQuery: requests.AuditQuery,
    RecordListQuery: requests.RecordListQuery,
    AssetListQuery: requests.AssetListQuery,
  },
  output: {
    ErrorBody,
    Health: responses.Health,
    Readiness: responses.Readiness,
    Usage: responses.Usage,
    RunError: responses.RunError,
    ExecutionStatus: responses.Status,
    Pagination: responses.Pagination,
    Execution: responses.Execution,
    ExecutionStep: responses.ExecutionStep,
    RunWarning: responses.RunWarning,
    ExecutionDetail: responses.ExecutionDetail,
    ExecutionPage: responses.ExecutionPage,
    Cancellation: responses.Cancellation,
    ExecutionTreeNode: responses.ExecutionTreeNode,
    ArtifactList: responses.ArtifactList,
    DispatchResult: responses.DispatchResult,
    Approval: responses.Approval,
    ApprovalList: responses.ApprovalList,
    ShuttleRun: responses.ShuttleRun,
    StoredShuttleRun: responses.StoredShuttleRun,
    ShuttleRunPage: responses.ShuttleRunPage,
    ShuttleParameters: responses.ShuttleParameters,
    FeedbackAnswer: responses.FeedbackAnswer,
    AgentTree: responses.AgentTree,
    UsageEntry: responses.UsageEntry,
    UsageStatistics: responses.UsageStatistics,
    ModelAlias: responses.ModelAlias,
    ModelAliasList: responses.ModelAliasList,
    LedgerEntry: responses.LedgerEntry,
    CreditLedger: responses.CreditLedger,
    CreditBalance: responses.CreditBalance,
    FlowSummary: responses.FlowSummary,
    FlowList: responses.FlowList,
    FlowStep: RawStep,
    FlowDefinition: responses.FlowDefinition,
    FlowView: responses.FlowView,
    FlowVersionInfo: responses.FlowVersionInfo,
    FlowVersionList: responses.FlowVersionList,
    FlowVersion: responses.FlowVersion,
    Activation: responses.Activation,
    FlowEnvironments: responses.FlowEnvironments,
    Environment: responses.Environment,
    EnvironmentList: responses.EnvironmentList,
    EnvironmentDiff: responses.EnvironmentDiff,
    Promotion: responses.Promotion,
    AuditList: responses.AuditList,
    Tool: client.ClientTool,
    ToolList: client.ClientToolList,
    ToolTestResult: responses.ToolTestResult,
    McpDiscovery: responses.McpDiscovery,
    StepTypeInfo: responses.StepTypeInfo,
    StepTypeList: responses.StepTypeList,
    ToolTypeInfo: responses.ToolTypeInfo,
    ToolTypeList: responses.ToolTypeList,
    AgentDefinition: responses.StoredAgentDefinition,
    Agent: responses.Agent,
    AgentList: responses.AgentList,
    StoredRecord: responses.StoredRecord,
    RecordPage: responses.RecordPage,
    ApiKey: responses.ApiKey,
    ApiKeyList: responses.ApiKeyList,
    NewApiKey: responses.NewApiKey,
    RevokedKey: responses.RevokedKey,
    SecretMetadata: responses.SecretMetadata,
    Secret: responses.SecretAnswer,
    SecretList: responses.SecretList,
    SecretCheck: responses.SecretCheck,
    DeletedSecret: responses.DeletedSecret,
    Model: responses.Model,
    ModelList: responses.ModelList,
    TopUp: responses.TopUp,
    TenantLimits: responses.TenantLimitsAnswer,
    AssetMetadata: responses.AssetMetadata,
    AssetPage: responses.AssetPage,
    DeletedAsset: responses.DeletedAsset,
  },
} satisfies Record<'input' | 'output', Record<string, z.ZodType>>;

/**
 * Answer types that are a request's type: what the server stores as it was sent (a flow's steps, an agent) is
 * described loosely in /openapi.json, and typed in the client as the request that sent it.
 */
export const clientTypeAliases: Partial<Record<keyof (typeof clientTypes)['output'], keyof (typeof clientTypes)['input']>> = {
  FlowStep: 'Step',
  AgentDefinition: 'AgentRequest',
};
