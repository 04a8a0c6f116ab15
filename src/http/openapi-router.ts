import { Router } from 'express';
import { openApiDocument } from './openapi-document.js';

/** `GET /openapi.json`: the OpenAPI document of the service, built once. */
export function openApiRouter(): Router {
  const router = Router();
  const document = openApiDocument();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
