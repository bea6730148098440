#!/usr/bin/env node
/*
 * laminar Node.js runtime interface client.
 *
 * A small, dependency-free (Node core modules only) client for the AWS Lambda
 * Runtime API. laminar starts it as the runtime process of an execution
 * environment:
 *
 *     node laminar_runtime.js [HANDLER]
 *
 * Environment:
 *   AWS_LAMBDA_RUNTIME_API   host:port of the Runtime API (required)
 *   _HANDLER                 "file.fn" or "path/to/file.fn" (nested: "file.obj.fn")
 *                            (required unless HANDLER is given on the command line)
 *   LAMBDA_TASK_ROOT         directory holding the function code (default: cwd)
 *   AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION,
 *   AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME,
 *   AWS_LAMBDA_LOG_STREAM_NAME  exposed through the context object
 */
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { pathToFileURL } = require('url');

const API_VERSION = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

// ---------------------------------------------------------------------------
// Runtime API client
// ---------------------------------------------------------------------------

const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ECONNREFUSED']);

class RuntimeApiClient {
  constructor(address) {
    const idx = address.lastIndexOf(':');
    let host = idx >= 0 ? address.slice(0, idx) : address;
    const port = idx >= 0 ? Number(address.slice(idx + 1)) : 80;
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    this.host = host;
    this.port = port;
    this.agent = new http.Agent({ keepAlive: true, maxFreeSockets: 4 });
  }

  _once(method, urlPath, body, headers) {
    return new Promise((resolve, reject) => {
      const hdrs = Object.assign({}, headers);
      if (body !== undefined) hdrs['Content-Length'] = Buffer.byteLength(body);
      const req = http.request(
        { host: this.host, port: this.port, method, path: urlPath, agent: this.agent, headers: hdrs },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) })
          );
          res.on('error', reject);
        }
      );
      req.on('socket', (socket) => {
        if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async request(method, urlPath, body, headers) {
    try {
      return await this._once(method, urlPath, body, headers);
    } catch (err) {
      const retryable =
        (err && RETRYABLE_CODES.has(err.code)) || (err && err.message === 'socket hang up');
      if (!retryable) throw err;
      return this._once(method, urlPath, body, headers);
    }
  }

  async nextInvocation() {
    const res = await this.request('GET', `${API_VERSION}/invocation/next`);
    if (res.status !== 200) {
      throw new Error(
        `unexpected status ${res.status} from /invocation/next: ${res.body.toString('utf8', 0, 200)}`
      );
    }
    return res;
  }

  postResponse(requestId, payload) {
    return this.request('POST', `${API_VERSION}/invocation/${requestId}/response`, payload, {
      'Content-Type': 'application/json',
    });
  }

  postError(requestId, errorBody, headerType) {
    return this.request(
      'POST',
      `${API_VERSION}/invocation/${requestId}/error`,
      JSON.stringify(errorBody),
      { 'Content-Type': 'application/json', [ERROR_TYPE_HEADER]: headerType }
    );
  }

  postInitError(errorBody) {
    return this.request('POST', `${API_VERSION}/init/error`, JSON.stringify(errorBody), {
      'Content-Type': 'application/json',
      [ERROR_TYPE_HEADER]: errorBody.errorType,
    });
  }
}

// ---------------------------------------------------------------------------
// Errors and logging
// ---------------------------------------------------------------------------

function errorBody(err, overrideType) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.stack === 'string')) {
    // Drop this runtime's own frames; keep everything else (like the official client).
    const stack =
      typeof err.stack === 'string' ? err.stack.split('\n').filter((l) => !l.includes(__filename)) : [];
    return {
      errorType: overrideType || err.name || 'Error',
      errorMessage: err.message === undefined ? String(err) : String(err.message),
      stackTrace: stack,
    };
  }
  let message;
  try {
    message = typeof err === 'string' ? err : JSON.stringify(err);
  } catch (_) {
    message = String(err);
  }
  if (message === undefined) message = String(err);
  return {
    errorType: overrideType || typeof err,
    errorMessage: message,
    stackTrace: [],
  };
}

function runtimeError(type, message, stackTrace) {
  return { errorType: type, errorMessage: message, stackTrace: stackTrace || [] };
}

function logError(label, body, requestId) {
  const prefix = `${new Date().toISOString()}\t${requestId || 'undefined'}\tERROR\t${label} \t`;
  try {
    process.stderr.write(prefix + JSON.stringify(body) + '\n');
  } catch (_) {
    /* ignore */
  }
}

// ---------------------------------------------------------------------------
// Handler loading
// ---------------------------------------------------------------------------

class InitError extends Error {
  constructor(body) {
    super(body.errorMessage);
    this.body = body;
  }
}

function nearestPackageType(dir) {
  let current = dir;
  for (;;) {
    const candidate = path.join(current, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      return pkg && typeof pkg.type === 'string' ? pkg.type : 'commonjs';
    } catch (e) {
      if (e && e.code !== 'ENOENT' && e.code !== 'ENOTDIR') return 'commonjs';
    }
    const parent = path.dirname(current);
    if (parent === current) return 'commonjs';
    current = parent;
  }
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch (_) {
    return false;
  }
}

async function importFile(file) {
  return import(pathToFileURL(file).href);
}

async function loadModule(file) {
  const ext = path.extname(file);
  if (ext === '.mjs') return importFile(file);
  if (ext === '.js' && nearestPackageType(path.dirname(file)) === 'module') return importFile(file);
  try {
    return require(file);
  } catch (err) {
    if (err && (err.code === 'ERR_REQUIRE_ESM' || err.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
      return importFile(file);
    }
    throw err;
  }
}

function resolveProperty(obj, names) {
  let cur = obj;
  for (const name of names) {
    if (cur === null || cur === undefined) return undefined;
    cur = cur[name];
  }
  return cur;
}

async function loadHandler(handlerSpec, taskRoot) {
  const slash = handlerSpec.lastIndexOf('/');
  const dirPart = slash >= 0 ? handlerSpec.slice(0, slash + 1) : '';
  const base = slash >= 0 ? handlerSpec.slice(slash + 1) : handlerSpec;
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) {
    throw new InitError(
      runtimeError('Runtime.MalformedHandlerName', `Bad handler '${handlerSpec}': expected 'module.function'`)
    );
  }
  const moduleName = dirPart + base.slice(0, dot);
  const propPath = base.slice(dot + 1).split('.');

  const stem = path.resolve(taskRoot, moduleName);
  let file = null;
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (isFile(stem + ext)) {
      file = stem + ext;
      break;
    }
  }
  if (file === null) {
    throw new InitError(
      runtimeError(
        'Runtime.ImportModuleError',
        `Error: Cannot find module '${moduleName}' (looked for ${stem}.js, .mjs, .cjs)`
      )
    );
  }

  let mod;
  try {
    mod = await loadModule(file);
  } catch (err) {
    if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) {
      const body = errorBody(err);
      throw new InitError(
        runtimeError('Runtime.ImportModuleError', `${body.errorType}: ${body.errorMessage}`, body.stackTrace)
      );
    }
    if (err instanceof SyntaxError) {
      const body = errorBody(err);
      throw new InitError(
        runtimeError('Runtime.UserCodeSyntaxError', `${body.errorType}: ${body.errorMessage}`, body.stackTrace)
      );
    }
    throw new InitError(errorBody(err));
  }

  let fn = resolveProperty(mod, propPath);
  if (fn === undefined && mod && mod.default !== undefined) fn = resolveProperty(mod.default, propPath);
  if (fn === undefined || fn === null) {
    throw new InitError(
      runtimeError('Runtime.HandlerNotFound', `${moduleName}.${propPath.join('.')} is undefined or not exported`)
    );
  }
  if (typeof fn !== 'function') {
    throw new InitError(
      runtimeError('Runtime.HandlerNotFound', `${moduleName}.${propPath.join('.')} is not a function`)
    );
  }
  return fn;
}

// ---------------------------------------------------------------------------
// Invocation
// ---------------------------------------------------------------------------

function parseJsonHeader(value) {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch (_) {
    return undefined;
  }
}

function header(headers, name) {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

// The invocation currently in progress: { requestId, finish(err, result) }.
let current = null;

function makeContext(headers, finish) {
  const deadlineMs = Number(header(headers, 'lambda-runtime-deadline-ms')) || 0;
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: header(headers, 'lambda-runtime-invoked-function-arn'),
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: header(headers, 'lambda-runtime-aws-request-id'),
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parseJsonHeader(header(headers, 'lambda-runtime-cognito-identity')),
    clientContext: parseJsonHeader(header(headers, 'lambda-runtime-client-context')),
    // Tenant isolation mode: the tenant the invoke named (undefined otherwise).
    tenantId: header(headers, 'lambda-runtime-aws-tenant-id'),
    getRemainingTimeInMillis() {
      return Math.max(deadlineMs - Date.now(), 0);
    },
    succeed(result) {
      finish(null, result);
    },
    fail(err) {
      finish(err === undefined || err === null ? 'handled' : err);
    },
    done(err, result) {
      finish(err, result);
    },
  };
}

function isThenable(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
}

async function report(client, requestId, err, result) {
  if (err !== null && err !== undefined) {
    const body = errorBody(err);
    logError('Invoke Error', body, requestId);
    await client.postError(requestId, body, 'Runtime.UnhandledError');
    return;
  }
  let payload;
  try {
    payload = JSON.stringify(result);
  } catch (e) {
    const body = runtimeError('Runtime.MarshalError', `Unable to marshal response: ${e && e.message}`);
    logError('Invoke Error', body, requestId);
    await client.postError(requestId, body, 'Runtime.MarshalError');
    return;
  }
  await client.postResponse(requestId, payload === undefined ? 'null' : payload);
}

async function handleOne(client, handler) {
  const res = await client.nextInvocation();
  const headers = res.headers;
  const requestId = header(headers, 'lambda-runtime-aws-request-id') || '';

  const traceId = header(headers, 'lambda-runtime-trace-id');
  if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
  else delete process.env._X_AMZN_TRACE_ID;

  let event;
  try {
    event = res.body.length ? JSON.parse(res.body.toString('utf8')) : null;
  } catch (e) {
    const body = runtimeError('Runtime.UnmarshalError', `Unable to parse event JSON: ${e.message}`);
    logError('Invoke Error', body, requestId);
    await client.postError(requestId, body, 'Runtime.UnmarshalError');
    return;
  }

  let resolveOutcome;
  const outcome = new Promise((resolve) => {
    resolveOutcome = resolve;
  });
  let settled = false;
  const finish = (err, result) => {
    if (settled) return;
    settled = true;
    resolveOutcome({ err, result });
  };
  current = { requestId, finish };
  const context = makeContext(headers, finish);
  const callback = (err, result) => finish(err, result);
  try {
    const ret = handler(event, context, callback);
    if (isThenable(ret)) {
      ret.then(
        (value) => finish(null, value),
        (err) => finish(err === undefined || err === null ? new Error(String(err)) : err)
      );
    } else if (handler.length < 3) {
      // Synchronous handler that neither returns a promise nor takes a callback.
      finish(null, ret);
    }
  } catch (err) {
    finish(err === undefined || err === null ? new Error(String(err)) : err);
  }

  const { err, result } = await outcome;
  current = null;
  await report(client, requestId, err, result);
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function installCrashHandlers(client) {
  let crashing = false;
  const crash = (label, err, overrideType) => {
    if (crashing) return;
    crashing = true;
    const body = errorBody(err, overrideType);
    const inv = current;
    logError(label, body, inv && inv.requestId);
    const exit = () => process.exit(1);
    if (inv) {
      current = null;
      client.postError(inv.requestId, body, 'Runtime.UnhandledError').then(exit, exit);
    } else {
      exit();
    }
  };
  process.on('uncaughtException', (err) => crash('Uncaught Exception', err));
  process.on('unhandledRejection', (reason) =>
    crash(
      'Unhandled Promise Rejection',
      reason instanceof Error ? reason : new Error(`Unhandled promise rejection: ${String(reason)}`),
      'Runtime.UnhandledPromiseRejection'
    )
  );
}

async function main() {
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) {
    process.stderr.write('laminar_runtime: AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(1);
  }
  const client = new RuntimeApiClient(address);
  const handlerSpec = process.argv[2] || process.env._HANDLER || '';
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();

  let handler;
  try {
    handler = await loadHandler(handlerSpec, taskRoot);
  } catch (err) {
    const body = err instanceof InitError ? err.body : errorBody(err);
    logError('Uncaught Exception', body);
    try {
      await client.postInitError(body);
    } catch (postErr) {
      process.stderr.write(`laminar_runtime: failed to report init error: ${postErr && postErr.message}\n`);
    }
    process.exit(1);
  }

  installCrashHandlers(client);

  for (;;) {
    try {
      await handleOne(client, handler);
    } catch (err) {
      process.stderr.write(`laminar_runtime: Runtime API failure: ${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    }
  }
}

main();
