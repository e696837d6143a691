import {
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLInt,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  valueFromAST,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface QueryCostLimits {
  maxCost: number;
  /** The page size a connection field returns when given neither `first` nor `last`. */
  defaultPageSize: number;
  /** The largest page a connection field returns. */
  maxPageSize: number;
  /** MAX_GROUP_MEMBERS: what a list declared as `maxItems: 'groupMembers'` holds at most. */
  maxGroupMembers: number;
}

/**
 * How long a list field (not a connection) can be, declared beside the field as
 * `extensions: { maxItems }`: a number, or `'groupMembers'` for a list as long as a group.
 */
export type MaxItems = number | 'groupMembers';

/** A list field's declared bound; an undeclared one counts as the largest page. */
function listSize(extensions: Readonly<Record<string, unknown>>, limits: Omit<QueryCostLimits, 'maxCost'>): number {
  const declared = extensions.maxItems as MaxItems | undefined;
  if (typeof declared === 'number') return declared;
  return declared === 'groupMembers' ? limits.maxGroupMembers : limits.maxPageSize;
}

interface CostArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Readonly<Record<string, unknown>> | null;
}

/**
 * The most fields an operation can resolve: every field counts 1; a field with
 * a `first`/`last` page size (a connection) counts its selection once per item
 * of the page — the size given, by literal or by variable (a size over the
 * largest page counts as the largest: the resolver refuses it), or the
 * default; and any other list field counts its selection once per item it can
 * hold at most (`maxItems`), so `members` in a list of conversations weighs a
 * full group each. A connection's `edges` are its page, counted already.
 * Runs once variables are known, so `last: $n` weighs what `n` asks for.
 */
export function queryCost(
  { schema, document, operationName, variableValues }: CostArgs,
  limits: Omit<QueryCostLimits, 'maxCost'>,
): number {
  const operation = getOperationAST(document, operationName);
  const rootType = operation && schema.getRootType(operation.operation);
  if (!rootType) return 0;
  const variables = variableValues ?? {};
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // A fragment costs the same wherever it is spread; remembering it keeps the walk linear.
  const fragmentCosts = new Map<string, number>();

  const selectionCost = (selectionSet: SelectionSetNode, parentType: GraphQLNamedType): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const fields = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields() : {};
        const field = fields[selection.name.value];
        // Meta fields (`__typename`; introspection is bounded by the depth and token limits).
        if (!field) continue;
        let size = 1;
        if (isListType(getNullableType(field.type)) && field.name !== 'edges') size = listSize(field.extensions, limits);
        if (field.args.some((arg) => arg.name === 'first' || arg.name === 'last')) {
          // valueFromAST, unlike getArgumentValues, leaves other arguments' errors to execution.
          const requested = (selection.arguments ?? [])
            .filter((arg) => arg.name.value === 'first' || arg.name.value === 'last')
            .map((arg) => valueFromAST(arg.value, GraphQLInt, variables))
            .find((value) => value != null);
          size =
            typeof requested === 'number' && requested > 0
              ? Math.min(requested, limits.maxPageSize)
              : limits.defaultPageSize;
        }
        const children = selection.selectionSet
          ? selectionCost(selection.selectionSet, getNamedType(field.type))
          : 0;
        cost += 1 + size * children;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        cost += selectionCost(selection.selectionSet, (typeName && schema.getType(typeName)) || parentType);
      } else {
        const name = selection.name.value;
        let fragmentCost = fragmentCosts.get(name);
        if (fragmentCost === undefined) {
          const fragment = fragments.get(name);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          fragmentCost = fragment && type ? selectionCost(fragment.selectionSet, type) : 0;
          fragmentCosts.set(name, fragmentCost);
        }
        cost += fragmentCost;
      }
    }
    return cost;
  };
  return selectionCost(operation.selectionSet, rootType);
}

/**
 * Refuses, before anything resolves, an operation whose `queryCost` is over
 * `maxCost`: over HTTP and graphql-ws alike (both execute through Yoga's envelop).
 */
export function useQueryCostLimit(limits: QueryCostLimits): Plugin {
  const check = ({
    args,
    setResultAndStopExecution,
  }: {
    args: CostArgs;
    setResultAndStopExecution: (result: { errors: ReturnType<typeof createGraphQLError>[] }) => void;
  }) => {
    const cost = queryCost(args, limits);
    if (cost <= limits.maxCost) return;
    setResultAndStopExecution({
      errors: [
        createGraphQLError(
          `Query cost limit of ${limits.maxCost} exceeded, found ${cost}: ask for smaller pages or fewer fields.`,
          { extensions: { code: 'BAD_USER_INPUT' } },
        ),
      ],
    });
  };
  return { onExecute: check, onSubscribe: check };
}
