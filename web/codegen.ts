import type { CodegenConfig } from "@graphql-codegen/cli";

// Types of every operation, generated from the committed schema (web/schema.graphql, written by
// `python -m crm_gateway.schema_sdl web/schema.graphql`): no running server needed.
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/__generated__/**"],
  ignoreNoDocuments: false,
  generates: {
    "src/__generated__/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string", Date: "string", Decimal: "string", JSON: "unknown" },
      },
    },
  },
};
export default config;
