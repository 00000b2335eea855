/** Shapes every layer shares: connection test items, table schemas, form field metadata. Depends on nothing. */

/** Connection test items, in the order the connection test reports them. Value = i18n key of the title. */
export const CONNECTION_TEST_ITEMS = {
  credentials: 'test_credentials',
  bot: 'test_bot',
  permissions: 'test_permissions',
  read: 'test_read',
  /** Only when the node uses images or files: the upload scope. */
  media: 'test_media',
} as const;
export type ConnectionTestItem = keyof typeof CONNECTION_TEST_ITEMS;
export const CONNECTION_TEST_ITEM_KEYS = Object.keys(CONNECTION_TEST_ITEMS) as ConnectionTestItem[];

export type TestStatus = 'ok' | 'warn' | 'fail';
export interface TestItem {
  /** Stable key: credentials | bot | permissions (the manifest's messages hold its title per language). */
  item: TestItemKey;
  title: string;
  status: TestStatus;
  /** In English. */
  detail: string;
  /** The manifest message that words the detail (`{name}` placeholders), for a page in another language. */
  detailKey: string;
  /** The placeholders' values (an error's own text stays as the error said it). */
  detailVars: Record<string, string>;
}
export type TestItemKey = ConnectionTestItem;


export interface FieldSchema {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'array';
  required: boolean;
  enum?: readonly string[];
  description: string;
}
export interface TableSchema {
  name: string;
  description: string;
  fields: FieldSchema[];
  /** Source tables: the fields that identify a row. */
  primaryKey?: string[];
}

// Form metadata: what the zod schema cannot say. The mapped types over the config schemas make the compiler fail
// when a schema field has no metadata (or metadata names a field the schema does not have).

export type FormComponent = 'Input' | 'Password' | 'Select' | 'InputNumber' | 'Switch' | 'ArrayTable' | 'AsyncSelect' | 'JsonEditor';

export interface FieldMeta {
  /** i18n key of the title; the tooltip key is `${i18nKey}_tooltip`. */
  i18nKey: string;
  /** snake_case name TapData's API server uses; parseConfig accepts it as an alias. */
  apiServerKey: string;
  component: FormComponent;
  index: number;
  /** Select: i18n label key per enum value (the values themselves come from the zod schema). */
  optionLabels?: Record<string, string>;
  componentProps?: Record<string, unknown>;
  /** Env variable read when the field is absent. */
  env?: string;
  secret?: boolean;
  /** Shown in the form although the schema leaves it optional (the runtime default lives elsewhere). */
  formDefault?: unknown;
  /** Formily keys merged over the generated node (tables, remote selects, x-reactions). */
  formNode?: Record<string, unknown>;
}

