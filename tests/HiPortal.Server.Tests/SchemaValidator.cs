using System.Text.Json;

namespace HiPortal.Server.Tests;

/// <summary>
/// A structural JSON Schema check for OpenAPI 3.1 documents: $ref into components, type (a name or a list, "null"
/// included), properties, required, items, additionalProperties, enum, and the oneOf/anyOf/allOf that ASP.NET's
/// generator writes for nullable and derived types. Formats and numeric bounds are not checked.
/// </summary>
public sealed class SchemaValidator(JsonElement document)
{
    public List<string> Validate(JsonElement value, JsonElement schema, string path)
    {
        var errors = new List<string>();
        Check(value, schema, path, errors, 0);
        return errors;
    }

    private void Check(JsonElement value, JsonElement schema, string path, List<string> errors, int depth)
    {
        if (depth > 64)
        {
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(value, Resolve(reference.GetString()!), path, errors, depth + 1);
            return;
        }

        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var part in allOf.EnumerateArray())
            {
                Check(value, part, path, errors, depth + 1);
            }
        }

        foreach (var keyword in new[] { "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(keyword, out var options) &&
                !options.EnumerateArray().Any(o => Validate(value, o, path).Count == 0))
            {
                errors.Add($"{path}: matches none of {keyword}");
            }
        }

        if (schema.TryGetProperty("type", out var type) && !Types(type).Any(t => Is(value, t)))
        {
            errors.Add($"{path}: expected {string.Join(" or ", Types(type))}, got {value.ValueKind}");
            return;
        }

        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetRawText() == value.GetRawText()))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {values.GetRawText()}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            CheckObject(value, schema, path, errors, depth);
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, $"{path}[{i++}]", errors, depth + 1);
            }
        }
    }

    private void CheckObject(JsonElement value, JsonElement schema, string path, List<string> errors, int depth)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(n => !value.TryGetProperty(n, out _)))
            {
                errors.Add($"{path}: missing required {name}");
            }
        }

        schema.TryGetProperty("properties", out var properties);
        var hasProperties = properties.ValueKind == JsonValueKind.Object;
        foreach (var property in value.EnumerateObject())
        {
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(property.Value, propertySchema, $"{path}.{property.Name}", errors, depth + 1);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional))
            {
                if (additional.ValueKind == JsonValueKind.False)
                {
                    errors.Add($"{path}: unexpected property {property.Name}");
                }
                else if (additional.ValueKind == JsonValueKind.Object)
                {
                    Check(property.Value, additional, $"{path}.{property.Name}", errors, depth + 1);
                }
            }
            else if (hasProperties)
            {
                // An example may only use what the schema names: a misspelt property is a wrong example.
                errors.Add($"{path}: property {property.Name} is not in the schema");
            }
        }
    }

    private JsonElement Resolve(string reference)
    {
        var node = document;
        foreach (var part in reference.TrimStart('#', '/').Split('/'))
        {
            node = node.GetProperty(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return node;
    }

    private static IEnumerable<string> Types(JsonElement type) =>
        type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!) : [type.GetString()!];

    private static bool Is(JsonElement value, string type) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => true,
    };
}
