// `npm run build` also compiles the tests into dist/test (the controller benchmark runs its worker
// from there); vitest must only ever run the TypeScript sources under test/.
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, 'dist/**'],
    globalSetup: ['./test/support/global-setup.ts'],
  },
});
