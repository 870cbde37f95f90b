/**
 * The JSON Schema of policy files. The loader validates with this object, so the service does
 * not depend on a file in the operators' policies directory; `policies/schema.json` is a
 * published copy for editors and CI, written by `npm run write-policy-schema` and kept equal
 * by a test.
 */
export const POLICY_FILE_SCHEMA = {
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "https://openraz.dev/schemas/policies.json",
  "title": "openraz policy file",
  "description": "A file of Apache Ranger access policies for an S3 service with the resources bucket and path. A Ranger Admin export loads unchanged: its bookkeeping fields are accepted and ignored. Fields for Ranger features openraz does not implement must be absent or empty.",
  "type": "object",
  "required": [
    "policies"
  ],
  "additionalProperties": false,
  "properties": {
    "$schema": {
      "type": "string"
    },
    "policies": {
      "type": "array",
      "items": {
        "$ref": "#/definitions/policy"
      }
    },
    "metaDataInfo": {
      "type": "object",
      "description": "Ranger export metadata; ignored."
    },
    "startIndex": {
      "type": "integer"
    },
    "pageSize": {
      "type": "integer"
    },
    "totalCount": {
      "type": "integer"
    },
    "resultSize": {
      "type": "integer"
    },
    "queryTimeMS": {
      "type": "integer"
    }
  },
  "definitions": {
    "policy": {
      "type": "object",
      "required": [
        "id",
        "name",
        "resources"
      ],
      "additionalProperties": false,
      "properties": {
        "id": {
          "type": [
            "integer",
            "string"
          ],
          "minLength": 1,
          "minimum": 0,
          "description": "Unique across all loaded files."
        },
        "name": {
          "type": "string",
          "minLength": 1
        },
        "description": {
          "type": "string"
        },
        "isEnabled": {
          "type": "boolean",
          "default": true
        },
        "isAuditEnabled": {
          "type": "boolean",
          "default": true
        },
        "policyPriority": {
          "enum": [
            0,
            1
          ],
          "default": 0,
          "description": "0 normal, 1 override: an override policy outranks every normal one."
        },
        "isDenyAllElse": {
          "type": "boolean",
          "default": false,
          "description": "Deny every access this policy does not allow on the resources it matches."
        },
        "policyLabels": {
          "type": "array",
          "items": {
            "type": "string"
          }
        },
        "resources": {
          "$ref": "#/definitions/resources"
        },
        "policyItems": {
          "$ref": "#/definitions/items"
        },
        "denyPolicyItems": {
          "$ref": "#/definitions/items"
        },
        "allowExceptions": {
          "$ref": "#/definitions/items"
        },
        "denyExceptions": {
          "$ref": "#/definitions/items"
        },
        "conditions": {
          "$ref": "#/definitions/conditions"
        },
        "validitySchedules": {
          "type": "array",
          "description": "When the policy applies: it applies while any schedule is active. Fields startTime and endTime (yyyy/MM/dd HH:mm:ss), timeZone, recurrences.",
          "items": {
            "type": "object"
          }
        },
        "additionalResources": {
          "type": "array",
          "description": "More resource maps; the policy matches a request when its resources or any of these match.",
          "items": {
            "$ref": "#/definitions/resources"
          }
        },
        "dataMaskPolicyItems": {
          "type": "array",
          "description": "Data masking does not apply to object storage; must be empty."
        },
        "rowFilterPolicyItems": {
          "type": "array",
          "description": "Row filtering does not apply to object storage; must be empty."
        },
        "zoneName": {
          "type": "string",
          "description": "Security zones are not supported; must be empty."
        },
        "policyType": {
          "type": "integer",
          "description": "Only 0 (access policies) is supported."
        },
        "options": {
          "type": "object",
          "description": "Ranger policy options: not supported, must be empty."
        },
        "guid": {
          "type": "string"
        },
        "version": {
          "type": "integer"
        },
        "createTime": {
          "type": [
            "integer",
            "string"
          ]
        },
        "updateTime": {
          "type": [
            "integer",
            "string"
          ]
        },
        "createdBy": {
          "type": "string"
        },
        "updatedBy": {
          "type": "string"
        },
        "service": {
          "type": "string"
        },
        "serviceType": {
          "type": "string"
        },
        "resourceSignature": {
          "type": "string"
        },
        "sameLevel": {
          "type": "boolean"
        }
      }
    },
    "resource": {
      "type": "object",
      "required": [
        "values"
      ],
      "additionalProperties": false,
      "properties": {
        "values": {
          "type": "array",
          "minItems": 1,
          "items": {
            "type": "string"
          }
        },
        "isExcludes": {
          "type": "boolean",
          "default": false
        },
        "isRecursive": {
          "type": "boolean",
          "default": false
        }
      }
    },
    "items": {
      "type": "array",
      "items": {
        "$ref": "#/definitions/item"
      }
    },
    "conditions": {
      "type": "array",
      "description": "Conditions that must all hold. Types: ip-range (addresses, CIDR blocks, or wildcards such as 10.1.*), time-of-day (\"09:00-17:00 Europe/Berlin\"), max-expires-seconds, max-object-size (bytes), content-types (\"image/png\", \"image/*\"), server-side-encryption (\"AES256\", \"aws:kms\") and if-none-match (\"*\"), which openraz signs into uploads that leave them out. A condition whose request attribute is missing never helps the request: it fails for allow items and deny exceptions, and holds for deny items and allow exceptions.",
      "items": {
        "type": "object",
        "required": [
          "type",
          "values"
        ],
        "additionalProperties": false,
        "properties": {
          "type": {
            "type": "string",
            "minLength": 1
          },
          "values": {
            "type": "array",
            "minItems": 1,
            "items": {
              "type": "string",
              "minLength": 1
            }
          }
        }
      }
    },
    "item": {
      "type": "object",
      "required": [
        "accesses"
      ],
      "additionalProperties": false,
      "properties": {
        "accesses": {
          "type": "array",
          "minItems": 1,
          "items": {
            "type": "object",
            "required": [
              "type"
            ],
            "additionalProperties": false,
            "properties": {
              "type": {
                "enum": [
                  "read",
                  "write",
                  "delete",
                  "list"
                ]
              },
              "isAllowed": {
                "type": "boolean",
                "default": true
              }
            }
          }
        },
        "users": {
          "type": "array",
          "items": {
            "type": "string",
            "minLength": 1
          },
          "description": "User names; {USER} means every user."
        },
        "groups": {
          "type": "array",
          "items": {
            "type": "string",
            "minLength": 1
          }
        },
        "roles": {
          "type": "array",
          "items": {
            "type": "string",
            "minLength": 1
          },
          "description": "Roles defined in roles.json next to the policy files; nested roles count."
        },
        "conditions": {
          "$ref": "#/definitions/conditions"
        },
        "delegateAdmin": {
          "type": "boolean",
          "description": "Accepted and ignored: openraz has no policy administration API."
        }
      }
    },
    "resources": {
      "type": "object",
      "required": [
        "bucket",
        "path"
      ],
      "additionalProperties": false,
      "properties": {
        "bucket": {
          "$ref": "#/definitions/resource"
        },
        "path": {
          "$ref": "#/definitions/resource"
        }
      }
    }
  }
} as const;

/**
 * The JSON Schema of `roles.json`. Members are names, or Ranger's `{ "name", "isAdmin" }`
 * objects as in a Ranger role export.
 */
export const ROLES_FILE_SCHEMA = {
  type: 'object',
  required: ['roles'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    roles: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1 },
          description: { type: 'string' },
          users: { $ref: '#/definitions/members' },
          groups: { $ref: '#/definitions/members' },
          roles: { $ref: '#/definitions/members' },
          id: { type: 'integer' },
          isEnabled: { type: 'boolean' },
          options: { type: 'object' },
          createdByUser: { type: 'string' },
          createdBy: { type: 'string' },
          updatedBy: { type: 'string' },
          createTime: { type: ['integer', 'string'] },
          updateTime: { type: ['integer', 'string'] },
          version: { type: 'integer' },
          guid: { type: 'string' },
        },
      },
    },
  },
  definitions: {
    members: {
      type: 'array',
      items: {
        anyOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { name: { type: 'string', minLength: 1 }, isAdmin: { type: 'boolean' } },
          },
        ],
      },
    },
  },
} as const;
