// app.json's rules, asked of the server (server/rules.py), so the tests check what phones get.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = 'import json; from server.rules import script_rules; print(json.dumps(script_rules()))';

export const RULES = JSON.parse(execFileSync(`${root}.venv/bin/python`, ['-c', script], { cwd: root }));
export const LIMITS = RULES.set;
