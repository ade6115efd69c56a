/** One thing wrong with an input, named by its path (`sites[2].gpus`, `deadline`). */
export interface FieldError {
  field: string;
  message: string;
}
