// The TypeScript SDK, bundled from source. Every page reaches it through this module.
export * from '../../js/src/index.ts';
