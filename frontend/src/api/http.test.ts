import { describe, expect, it } from 'vitest';
import { describeError } from './http';

describe('describeError', () => {
  it('lists the problems of a 422, without an empty field name', () => {
    const body = {
      error: 'invalid_input',
      detail: [
        { field: 'page', message: 'Input should be greater than or equal to 1', input: '0' },
        { field: '', message: 'expected a JSON body (Content-Type: application/json)', input: null },
      ],
    };
    expect(describeError(422, body)).toBe(
      'Dados inválidos: page: Input should be greater than or equal to 1; expected a JSON body (Content-Type: application/json)',
    );
  });

  it('names a throttled login and an oversized body', () => {
    expect(describeError(429, { error: 'too_many_requests', detail: 'too many failed logins' })).toMatch(/Muitas tentativas/);
    expect(describeError(413, { error: 'payload_too_large', detail: 'request body larger than 1048576 bytes' })).toMatch(
      /grandes demais/,
    );
  });
});
