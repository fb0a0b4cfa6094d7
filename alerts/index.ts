// Public face of alerts/: incidents, their closed loop, routing, reviews and the /ws hub.
export { Principal, Role, auditOf, inScope, roleAtLeast, scopeOf, type DepartmentOf } from './access.js';
export { ActionBody, ManualReport } from './actions.js';
export { createHub, type Hub, type AckHandler } from './hub.js';
export { errorReply, incidentRoutes, zodIssues, type Reply, type Request, type Route } from './http.js';
export { Incident, IncidentEvent, IncidentState, OPEN_STATES, ReviewInput } from './incident.js';
export { createIncidentService, newIncidentId, type ActResult, type IncidentService } from './incidents.js';
export { buildReview, renderReviewMarkdown, type ReviewRecord } from './review.js';
export { createRouter, DEFAULT_ROUTING, loadRoutingTable, RoutingTable, type Router } from './routing.js';
export { capAlertElement, capHistory, renderCap, CAP_SEVERITY, type CapOptions } from './cap.js';
export { renderCapFeed } from './cap-feed.js';
export { evaluate, GROUP_BY, SATISFACTION_TARGET, type EvaluationRow } from './evaluation.js';
export { evaluationCsv } from './evaluation-csv.js';
export { evaluationRoutes } from './evaluation-http.js';
export { managementRoutes, CAP_CONTENT_TYPE } from './management-http.js';
export { createSilenceService, Silence, SilenceInput, type SilenceService } from './silences.js';
export { ACTIONS, TRANSITIONS, transition, type Action } from './state-machine.js';
export { ClientMessage, Filter } from './ws-protocol.js';
export { collectEvidence, detectionsOf, evidenceWindow, type Evidence, type EvidenceDetection, type EvidenceSources } from './evidence.js';
