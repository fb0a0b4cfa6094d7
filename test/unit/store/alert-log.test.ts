// The AlertLog contract (contracts/alert-log.ts) on SQLite.
import { alertLogContract } from './contracts/alert-log.js';
import { sqliteBackend } from './contracts/sqlite-backend.js';

alertLogContract(sqliteBackend());
