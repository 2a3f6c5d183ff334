import next from 'eslint-config-next/core-web-vitals';

const config = [
  {
    ignores: [
      'node_modules/**',
      '.next/**',
      '.next-*/**',
      'dist/**',
      'data/**',
      'out/**',
      'coverage/**',
      'test-results/**',
      'next-env.d.ts',
    ],
  },
  ...next,
];

export default config;
