/** The in-memory stores (one process): the defaults when no `store` is configured. */
export { InMemoryLimiterStore } from '../lark/pacer.js';
export { InMemoryTokenStore } from '../lark/token.js';
export { InMemoryLookupStore } from '../message/receivers.js';
