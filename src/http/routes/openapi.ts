// The API's own description, without a token, so tools can discover it.

import { OPENAPI_DOCUMENT } from '../openapi.ts';
import type { Route } from '../route.ts';

const text = JSON.stringify(OPENAPI_DOCUMENT);

export function openapiRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/openapi.json',
      access: 'public',
      handle(ctx) {
        ctx.type = 'application/json';
        ctx.body = text;
      },
    },
  ];
}
