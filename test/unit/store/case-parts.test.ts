// The contracts of silences, muted keys, follow-ups, evidence, rule versions, rule state and
// cases (contracts/case-parts.ts) on SQLite.
import { casePartsContract } from './contracts/case-parts.js';
import { sqliteBackend } from './contracts/sqlite-backend.js';

casePartsContract(sqliteBackend());
