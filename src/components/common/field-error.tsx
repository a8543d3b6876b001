/** A field's validation message, named by the field's aria-describedby; nothing without one. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p id={id} className="text-sm text-red-700 dark:text-red-300">
      {message}
    </p>
  ) : null;
}
