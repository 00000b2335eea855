/** What a check finds wrong in a record: where (a path into the record body) and why. */
export type Path = Array<string | number>;

export interface Issue {
  path: Path;
  message: string;
  /** Over Lark's size limit (the error's code is then CONTENT_TOO_LARGE). */
  tooLarge?: true;
}

/** The issues of a content object of one msg_type, with paths relative to `content`. */
export type ContentCheck = (obj: Record<string, unknown>) => readonly Issue[];
