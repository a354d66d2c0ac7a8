// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Boundaries: only the engine folders import their client libraries, only storage imports mysql2.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kafkajs', message: 'Only streams/kafka/ imports kafkajs.' },
            { name: 'pulsar-client', message: 'Only streams/pulsar/ imports pulsar-client.' },
            { name: 'mysql2', message: 'Only storage/ imports mysql2.' },
            { name: 'mysql2/promise', message: 'Only storage/ imports mysql2.' },
          ],
        },
      ],
    },
  },
  { files: ['streams/kafka/**', 'storage/**', 'streams/pulsar/**', 'test/**', 'bench/**'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
