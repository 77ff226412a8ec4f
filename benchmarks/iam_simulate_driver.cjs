// Runs SimulateCustomPolicy-shaped requests (one JSON object a line, as `iam-preflight simulate --jsonl` reads them)
// through @cloud-copilot/iam-simulate, which is a library with no command line. Used by bench_peers.py.
//
//   node benchmarks/iam_simulate_driver.cjs NODE_MODULES_DIR REQUESTS.jsonl > decisions.txt
//
// One line out per request: Allowed, ExplicitlyDenied or ImplicitlyDenied (iam-simulate's overallResult), or
// "error: ..." when iam-simulate refused the request. Each request is translated field by field, with nothing cached
// between requests: every policy is parsed and validated by iam-simulate, as iam-preflight parses every policy text.
// Only the first action and the first resource of a request are run (bench_peers.py sends one of each).
'use strict'
const fs = require('fs')
const path = require('path')

const [modules, requestsFile] = process.argv.slice(2)
if (!modules || !requestsFile) {
  process.stderr.write('usage: node iam_simulate_driver.cjs NODE_MODULES_DIR REQUESTS.jsonl\n')
  process.exit(2)
}
const { createRequire } = require('module')
// Resolved from NODE_MODULES_DIR (the benchmark's own peer install), not from beside this file.
const { runSimulation } = createRequire(path.join(path.resolve(modules), 'driver.cjs'))('@cloud-copilot/iam-simulate')

function named(texts, prefix) {
  return (texts || []).map((text, index) => ({ name: `${prefix}.${index + 1}`, policy: JSON.parse(text) }))
}

function accountOf(owner) {
  const match = /^arn:aws:iam::(\d{12}):root$/.exec(owner || '')
  return match ? match[1] : owner
}

function simulation(request) {
  const contextVariables = {}
  for (const entry of request.ContextEntries || []) {
    const values = entry.ContextKeyValues
    contextVariables[entry.ContextKeyName] = entry.ContextKeyType.endsWith('List') ? values : values[0]
  }
  const levels = (request.OrderedOrganizationPolicyInputList || []).map((level, index) => ({
    orgIdentifier: `level-${index + 1}`,
    policies: named(level.ServiceControlPolicyInputList, `OrderedOrganizationPolicyInputList.${index + 1}`)
  }))
  const boundary = named(request.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList')
  return {
    request: {
      principal: request.CallerArn,
      action: request.ActionNames[0],
      resource: { resource: (request.ResourceArns || ['*'])[0], accountId: accountOf(request.ResourceOwner) },
      contextVariables
    },
    identityPolicies: named(request.PolicyInputList, 'PolicyInputList'),
    serviceControlPolicies: levels,
    resourceControlPolicies: [],
    resourcePolicy: request.ResourcePolicy ? JSON.parse(request.ResourcePolicy) : undefined,
    permissionBoundaryPolicies: boundary.length ? boundary : undefined
  }
}

async function main() {
  const out = []
  for (const line of fs.readFileSync(requestsFile, 'utf8').split('\n')) {
    if (!line.trim()) continue
    const result = await runSimulation(simulation(JSON.parse(line)), {})
    out.push(result.resultType === 'error' ? `error: ${JSON.stringify(result.errors).slice(0, 300)}` : result.overallResult)
  }
  process.stdout.write(out.join('\n') + '\n')
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`)
  process.exit(1)
})
