#!/usr/bin/env node
// The entry point's former name, for hooks configured with it; token-ledger.cjs is the entry.
import './token-ledger.cjs';
