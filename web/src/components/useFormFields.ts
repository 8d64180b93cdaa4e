import { useState } from 'react';

/** The keys of a form's values that hold text, so a text input can be bound to them. */
type TextKey<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V];

/**
 * A form's values and its per-field errors (from the server's problem details), with
 * `field(name)` giving a text input its value, its error and its change handler.
 */
export function useFormFields<V extends object>(initial: V) {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<Partial<Record<keyof V, string>>>({});
  const field = (name: TextKey<V>) => ({
    value: values[name] as string,
    error: errors[name],
    onChange: (e: { currentTarget: { value: string } }) => {
      const value = e.currentTarget.value;
      setValues((v) => ({ ...v, [name]: value }));
    },
  });
  return { values, setValues, errors, setErrors, field };
}
